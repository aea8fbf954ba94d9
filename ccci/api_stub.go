package ccci

// This file fixes the API other packages build against. The owner of the root
// package replaces it with the real implementation (same names and signatures).

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"time"

	"coopcloud.tech/cc-ci/ccci/env"
)

var errTODO = errors.New("unimplemented")

// Config is the one declaration both binaries read.
type Config struct {
	File  string // where it was read from; "" for the built-in default
	Env   env.Spec
	Sweep Sweep
}

// Sweep is the [sweep] section.
type Sweep struct {
	Recipes   string        // folder of recipe clones (default $ABRA_DIR/recipes or ~/.abra/recipes)
	Catalogue string        // recipes.json, instead of Recipes
	Exclude   []string      // recipe names left out
	State     string        // canonical state file
	Runs      string        // run directories (default: "runs" next to State)
	Run       []string      // the recipe test command, run inside [env]
	Jobs      int           // recipes at a time (default 1)
	Timeout   time.Duration // per recipe run (default 60m)
	Grace     time.Duration // SIGTERM -> SIGKILL (default 30s)
	Defer     time.Duration // how long to wait for CI jobs before deferring (default 2h)
	Lockdir   string        // default /run/cc-ci
	Sync      bool          // fetch tags before planning
	Notify    []string      // command run after each sweep, summary JSON on stdin
	History   int           // runs shown per recipe on the board (default 30)
}

// LoadConfig finds the config: path, else $CCCI_CONFIG, else
// /etc/cc-ci/ccci.toml, else the built-in default.
func LoadConfig(path string, getenv func(string) string) (*Config, error) { return nil, errTODO }

// ConfigError is a config problem at file:line.
type ConfigError struct {
	File string
	Line int
	Err  error
}

func (e *ConfigError) Error() string { return e.File + ": " + e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// Exit codes (DESIGN.md section 6).
const (
	ExitOK          = 0
	ExitFailed      = 1
	ExitUsage       = 2
	ExitEnv         = 3
	ExitBusy        = 75
	ExitInterrupted = 130
)

var (
	ErrFailed          = errors.New("a recipe test failed")
	ErrUsage           = errors.New("usage")
	ErrNothingEnrolled = errors.New("nothing enrolled")
	ErrLocked          = errors.New("locked")
	ErrDeferred        = errors.New("deferred")
	ErrInterrupted     = errors.New("interrupted")
)

func ExitCode(err error) int { return 0 }

// Lock is a held flock.
type Lock struct{ f *os.File }

func RunActivePath(lockdir string) string { return lockdir + "/run-active.lock" }
func SweepLockPath(lockdir string) string { return lockdir + "/sweep.lock" }

// TryLock takes the lock without waiting; ErrLocked (wrapped) if held.
func TryLock(path string, exclusive bool) (*Lock, error) { return nil, errTODO }

// WaitLock polls until the lock is taken or ctx ends.
func WaitLock(ctx context.Context, path string, exclusive bool, poll time.Duration) (*Lock, error) {
	return nil, errTODO
}
func (l *Lock) File() *os.File { return l.f }
func (l *Lock) Unlock() error  { return errTODO }

// RunLockFDEnv names the variable the sweep sets when it hands its exclusive
// run-active lock to the recipe command as an inherited descriptor.
const RunLockFDEnv = "CCCI_RUN_LOCK_FD"

// Command builds the job: argv[0] resolved in e, environment from e, own
// process group, SIGTERM to the group on cancel, SIGKILL after grace.
func Command(ctx context.Context, e *env.Env, argv []string, caller []string, grace time.Duration) (*exec.Cmd, error) {
	return nil, errTODO
}
