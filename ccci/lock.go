package ccci

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// RunActivePath is the lock a CI job holds shared and a sweep recipe run
// holds exclusively.
func RunActivePath(lockdir string) string { return filepath.Join(lockdir, "run-active.lock") }

// CIWaitingPath is the lock CI jobs hold shared while they wait for the
// run-active lock. A sweep about to start a recipe run first checks it:
// while a CI job waits, the sweep lets it take the host first, so CI jobs
// get the host between recipe runs instead of losing every race for it.
func CIWaitingPath(lockdir string) string { return filepath.Join(lockdir, "ci-waiting.lock") }

// SweepLockPath is the lock that keeps sweeps one at a time.
func SweepLockPath(lockdir string) string { return filepath.Join(lockdir, "sweep.lock") }

// DefaultPoll is the longest pause between two tries of WaitLock and
// WaitRLock. The first pause is firstPoll, and each next one doubles up to
// DefaultPoll: a short hold (the state file's) costs a few milliseconds,
// a long wait (a CI job behind a recipe run) four tries a second.
const DefaultPoll = 250 * time.Millisecond

// firstPoll is the first pause of a wait.
const firstPoll = 4 * time.Millisecond

// Lock is a held flock(2) on a lock file. An exclusive holder writes its
// PID into the file, so that a process that finds it locked can say who
// holds it; the PID is removed on Unlock (a killed holder leaves it, and a
// later shared holder clears it).
type Lock struct {
	f         *os.File
	exclusive bool
}

// LockedError says that a lock is held by someone else. PID is the
// exclusive holder's PID as written in the file, 0 when unknown (shared
// holders do not write theirs). It matches ErrLocked.
type LockedError struct {
	Path string
	PID  int
}

func (e *LockedError) Error() string {
	if e.PID > 0 {
		return "lock " + e.Path + " is held by PID " + strconv.Itoa(e.PID)
	}
	return "lock " + e.Path + " is held by another process"
}

func (e *LockedError) Unwrap() error { return ErrLocked }

// openLock opens the lock file, read-write when allowed, else read-only.
// A missing file is created with mode 0660 and a missing directory with
// 0770, whatever the umask, so that a CI user and the sweep's user who
// share a group can both take it.
func openLock(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		f, err = createLock(path)
	}
	if errors.Is(err, os.ErrPermission) {
		f, err = os.Open(path)
	}
	if err != nil {
		return nil, fmt.Errorf("opening lock: %w", err)
	}
	return f, nil
}

func createLock(path string) (*os.File, error) {
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o770); err != nil {
			return nil, err
		}
		_ = os.Chmod(dir, 0o770)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o660)
	if errors.Is(err, os.ErrExist) { // created by another process meanwhile
		return os.OpenFile(path, os.O_RDWR, 0)
	}
	if err == nil {
		_ = f.Chmod(0o660)
	}
	return f, err
}

// TryLock takes the lock exclusively, without waiting. When another
// process holds it the error is a *LockedError (errors.Is(err, ErrLocked)).
func TryLock(path string) (*Lock, error) { return tryLock(path, true) }

// TryRLock takes the lock shared, without waiting. When another process
// holds it exclusively the error is a *LockedError.
func TryRLock(path string) (*Lock, error) { return tryLock(path, false) }

func tryLock(path string, exclusive bool) (*Lock, error) {
	f, err := openLock(path)
	if err != nil {
		return nil, err
	}
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	if err := flock(f, how|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, &LockedError{Path: path, PID: LockHolder(path)}
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	// Nobody holds it exclusively now: any PID in the file is stale.
	if exclusive {
		_ = f.Truncate(0)
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	} else if fi, err := f.Stat(); err == nil && fi.Size() > 0 {
		_ = f.Truncate(0)
	}
	return &Lock{f: f, exclusive: exclusive}, nil
}

// flock retries on EINTR.
func flock(f *os.File, how int) error {
	for {
		err := unix.Flock(int(f.Fd()), how)
		if err != unix.EINTR {
			return err
		}
	}
}

// WaitLock takes the lock exclusively, trying again (after pauses growing
// up to DefaultPoll) until it is taken or ctx ends. The error then wraps
// both the last *LockedError and ctx.Err(), so a deadline reads as
// ExitBusy and a cancellation as ExitInterrupted.
func WaitLock(ctx context.Context, path string) (*Lock, error) { return waitLock(ctx, path, true) }

// WaitRLock is WaitLock for a shared hold.
func WaitRLock(ctx context.Context, path string) (*Lock, error) { return waitLock(ctx, path, false) }

func waitLock(ctx context.Context, path string, exclusive bool) (*Lock, error) {
	pause := firstPoll
	t := time.NewTimer(pause)
	defer t.Stop()
	for {
		l, err := tryLock(path, exclusive)
		if !errors.Is(err, ErrLocked) {
			return l, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %w", err, ctx.Err())
		case <-t.C:
		}
		pause = min(2*pause, DefaultPoll)
		t.Reset(pause)
	}
}

// LockHolder is the PID an exclusive holder wrote into the lock file at
// path, 0 when there is none.
func LockHolder(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// File is the open lock file, e.g. to hand the lock to a child process
// through exec.Cmd.ExtraFiles.
func (l *Lock) File() *os.File { return l.f }

// Inherit clears close-on-exec on the lock's descriptor, so that a
// program started by syscall.Exec keeps holding the lock.
func (l *Lock) Inherit() error {
	_, err := unix.FcntlInt(l.f.Fd(), unix.F_SETFD, 0)
	if err != nil {
		return fmt.Errorf("keeping lock %s across exec: %w", l.f.Name(), err)
	}
	return nil
}

// Unlock releases the lock (LOCK_UN, then close). An exclusive holder
// first removes its PID from the file.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	if l.exclusive {
		_ = l.f.Truncate(0)
	}
	err := flock(l.f, unix.LOCK_UN)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	if err != nil {
		return fmt.Errorf("unlocking: %w", err)
	}
	return nil
}
