package ccci

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"coopcloud.tech/cc-ci/ccci/env"
	"coopcloud.tech/cc-ci/internal/proc"
	"golang.org/x/sys/unix"
)

// RunLockEnv names the variable the sweep sets for each recipe run while
// it holds the run-active lock exclusively for it: the sweep's process ID
// (proc.ID, "PID.START"). The lock's descriptor is never handed down, so
// the lock is free the moment the sweep is gone, whatever its run left
// behind. cc-ci-run believes the variable only when SweepHoldsRunLock
// proves it, and passes it on to its job, so that a cc-ci-run nested
// inside the job does not wait either.
const RunLockEnv = "CCCI_RUN_LOCK"

// Variables the sweep sets for each recipe run, beside RunLockEnv,
// VarRunID and ConfigEnv (the sweep's config file).
const (
	VarAbraDir     = "ABRA_DIR"          // a fresh directory holding recipes/<recipe>
	VarRecipe      = "CCCI_RECIPE"       // the recipe's name
	VarVersion     = "CCCI_VERSION"      // the tag under test
	VarFromVersion = "CCCI_FROM_VERSION" // the upgrade base, "" if none
	VarCommit      = "CCCI_COMMIT"       // the tag's commit, checked out
)

// SweepRunVars are the variables a cc-ci-run started by the sweep (found
// by SweepHoldsRunLock) hands on to its job whatever [env] pass says: they
// come from the sweep, not from the caller, and without ABRA_DIR the job
// would fall back to a shared ~/.abra that another run could move.
func SweepRunVars() []string {
	return []string{VarAbraDir, VarRecipe, VarVersion, VarFromVersion, VarCommit, ConfigEnv, RunLockEnv, VarRunID}
}

// DefaultWait is how long cc-ci-run waits for a sweep recipe run to
// release the run-active lock before running anyway.
const DefaultWait = 5 * time.Minute

// Exec replaces the process with argv run in the environment e: argv[0]
// resolved with e.LookPath, the environment e.Environ(caller) plus extra
// ("NAME=value" entries, which replace entries of the same name). Before exec it asks the kernel to send SIGTERM
// when the parent dies (PR_SET_PDEATHSIG, kept across exec), on the
// exec'ing thread. It returns only on error.
func Exec(e *env.Env, argv []string, caller []string, extra ...string) error {
	if len(argv) == 0 {
		return fmt.Errorf("no command: %w", ErrUsage)
	}
	path, err := e.LookPath(argv[0])
	if err != nil {
		return err
	}
	environ := setenv(e.Environ(caller), extra...)
	ppid := os.Getppid()

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0, 0, 0); err != nil {
		return fmt.Errorf("setting parent-death signal: %w", err)
	}
	if os.Getppid() != ppid { // the parent died before the prctl: nobody wants the job
		return fmt.Errorf("running %s: parent process exited: %w", argv[0], ErrInterrupted)
	}
	err = syscall.Exec(path, argv, environ)
	return fmt.Errorf("executing %s: %w", path, err)
}

// setenv returns environ with each "NAME=value" of kvs set, replacing an
// entry of the same name: execve, unlike os/exec, keeps duplicates, and
// which one a program reads is then up to its libc.
func setenv(environ []string, kvs ...string) []string {
	for _, kv := range kvs {
		name, _, _ := strings.Cut(kv, "=")
		environ = slices.DeleteFunc(environ, func(old string) bool {
			n, _, _ := strings.Cut(old, "=")
			return n == name
		})
		environ = append(environ, kv)
	}
	return environ
}

// SweepHoldsRunLock reports whether a sweep holds the run-active lock of
// lockdir for this process: RunLockEnv (read with getenv) names a live
// process that is an ancestor of this one (a sweep is its runs'
// subreaper, so this holds through setsid and double forks too), whose
// PID is the one the lock's exclusive holder wrote, and the lock is held
// exclusively now. A CI job that sets the variable itself proves none of
// this, and waits for the lock as any other.
func SweepHoldsRunLock(lockdir string, getenv func(string) string) bool {
	id := proc.ID(getenv(RunLockEnv))
	path := RunActivePath(lockdir)
	if id.PID() == 0 || LockHolder(path) != id.PID() || !id.IsAncestor() {
		return false
	}
	l, err := TryRLock(path)
	if err == nil {
		l.Unlock()
		return false
	}
	return errors.Is(err, ErrLocked)
}

// AcquireRunActive takes the run-active lock of lockdir shared, for a CI
// job, holding CIWaitingPath shared while it waits, with close-on-exec cleared so that the job exec'd next holds it for
// its lifetime. While a sweep recipe run holds it exclusively it waits up
// to wait, calling say (if not nil) with the reason. When the wait runs
// out the error is the holder's *LockedError (ErrLocked): whether the job
// runs anyway is the caller's to decide. A cancelled ctx returns an error
// matching context.Canceled.
func AcquireRunActive(ctx context.Context, lockdir string, wait time.Duration, say func(string)) (*Lock, error) {
	path := RunActivePath(lockdir)
	l, err := TryRLock(path)
	var locked *LockedError
	if errors.As(err, &locked) {
		// Set up the wait (ctx.Done) before announcing it: a caller whose
		// ctx catches signals only once waited on is then ready for them.
		wctx, cancel := context.WithTimeout(ctx, wait)
		if say != nil {
			say(fmt.Sprintf("waiting up to %v: a sweep recipe run holds the run-active lock (%v)", wait, locked))
		}
		// Say that a CI job waits, so that the sweep lets it go before its
		// next recipe run (a sweep holds this lock only for an instant).
		w, _ := WaitRLock(wctx, CIWaitingPath(lockdir))
		l, err = WaitRLock(wctx, path)
		_ = w.Unlock()
		cancel()
		if errors.As(err, &locked) && ctx.Err() == nil {
			return nil, locked
		}
	}
	if err != nil {
		return nil, err
	}
	if err := l.Inherit(); err != nil {
		l.Unlock()
		return nil, err
	}
	return l, nil
}
