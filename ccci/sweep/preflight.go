package sweep

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/env"
	"coopcloud.tech/cc-ci/internal/atomicfile"
)

// preflight checks, before the first clone, what every run needs from
// this host: the run command resolves in the declared environment and is
// executable (unless Drone runs the tests: its .drone.yml names the
// command), and the runs can be recorded in <lockdir>/active; the tools meet [env.require] (env.CheckRequire: probed once,
// then cached while the files are unchanged); the state file's directory
// and the runs directory are writable; the temporary directory is usable.
// A problem here is the host's, not a recipe's: the error matches
// ccci.ErrEnvironment (exit 3), or ccci.ErrConfig (exit 2) for a config
// that names no run command, and no recipe gets a verdict for it. The runs
// directory is made when its parent exists.
func preflight(ctx context.Context, cfg *ccci.Config, e *env.Env) error {
	s := &cfg.Sweep
	if len(s.Run) == 0 && s.Executor != ccci.ExecutorDrone { // Drone runs its own command (.drone.yml)
		return cfg.KeyError("sweep.run", errors.New("sweep.run is not set: name the recipe test command"))
	}
	if s.Jobs < 1 {
		return cfg.KeyError("sweep.jobs", fmt.Errorf("sweep.jobs: %d is less than 1", s.Jobs))
	}
	if len(s.Run) > 0 && s.Executor != ccci.ExecutorDrone {
		if _, err := e.LookPath(s.Run[0]); err != nil {
			return hostError("sweep.run", err)
		}
		// Where each run is recorded, to be cleaned up after a kill -9.
		if err := ccci.CheckActiveDir(s.Lockdir); err != nil {
			return hostError("lock directory "+s.Lockdir, err)
		}
	}
	if err := e.CheckRequire(ctx); err != nil {
		return hostError("env.require", err)
	}
	if err := os.Mkdir(s.Runs, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return hostError("runs directory", err)
	}
	target, err := atomicfile.Target(s.State)
	if err != nil {
		return hostError("state file", err)
	}
	for _, dir := range []string{filepath.Dir(target), s.Runs, os.TempDir()} {
		if err := writable(dir); err != nil {
			return hostError("checking directories", err)
		}
	}
	// Low disk space defers each run; a filesystem that cannot be checked
	// (a mistyped disk_paths) is the host's problem.
	if err := newDiskGuard(s).check(); err != nil && !errors.Is(err, ccci.ErrDeferred) {
		return hostError("sweep.disk_paths", err)
	}
	return nil
}

// warnEnv reports, as Warning events, what would stop a sweep's runs in
// this environment: a tool missing or refused (env.Resolve), a requirement
// not met (CheckRequire). Plan calls it, so that "cc-ci-sweep plan" says
// so before a run would stop with exit 3.
func warnEnv(ctx context.Context, cfg *ccci.Config, ev *events) {
	e, err := env.Resolve(cfg.Env)
	if err == nil {
		err = e.CheckRequire(ctx)
	}
	if err == nil {
		return
	}
	for line := range strings.SplitSeq(err.Error(), "\n") { // one tool a line
		ev.warn(fmt.Errorf("environment: %s (a sweep would stop before its first run, exit 3)", line))
	}
}

// writable says why the sweep cannot create files in dir, or nil.
func writable(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case err != nil:
		return err
	case !fi.IsDir():
		return &fs.PathError{Op: "use", Path: dir, Err: unix.ENOTDIR}
	}
	if err := unix.Access(dir, unix.W_OK|unix.X_OK); err != nil {
		return &fs.PathError{Op: "write", Path: dir, Err: err}
	}
	return nil
}

// hostError is a host problem found before the first run: it prints
// as "what: err" and matches ccci.ErrEnvironment (exit 3).
func hostError(what string, err error) error { return &hostProblem{what, err} }

type hostProblem struct {
	what string
	err  error
}

func (e *hostProblem) Error() string        { return e.what + ": " + e.err.Error() }
func (e *hostProblem) Unwrap() error        { return e.err }
func (e *hostProblem) Is(target error) bool { return target == ccci.ErrEnvironment }
