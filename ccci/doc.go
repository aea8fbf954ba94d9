// Package ccci is the facade both cc-ci binaries build on: the one config
// file (LoadConfig), running one job in the declared environment (Command,
// Exec), the cross-process locks (TryLock, TryRLock, WaitLock, WaitRLock,
// AcquireRunActive) and the exit codes (ExitCode). The library is silent:
// it prints nothing.
//
// # Config
//
// LoadConfig reads the file named by -config, else $CCCI_CONFIG, else
// /etc/cc-ci/ccci.toml when it exists, else uses a built-in default (the
// usual tools in /usr/local/bin:/usr/bin:/bin). The TOML is decoded
// strictly: an unknown key, a value of the wrong type or an invalid value
// is a *ConfigError printed as "file:line: what". A file without [env]
// declares the default environment; unset [sweep] keys get defaults.
//
// # Exit codes
//
// ExitCode maps an error to the exit status; when an error joins several
// causes, the first row that matches, top to bottom, wins:
//
//	130  interrupted: ErrInterrupted, context.Canceled (SIGINT/SIGTERM)
//	  2  usage or config error: ErrUsage, *ConfigError and anything else
//	     matching ErrConfig (sweep's *StateError), *env.SpecError
//	  3  environment incomplete or unsafe (*env.MissingError,
//	     *env.CommandError, *env.InsecureError, *env.RequireError,
//	     *env.ViewError, ErrEnvironment), or ErrNothingEnrolled
//	 75  busy or deferred, try again later: ErrLocked, ErrDeferred
//	  1  a recipe test failed (ErrFailed), and any other error
//	  0  no error
//
// cc-ci-run COMMAND exits with COMMAND's own status: it replaces itself
// with COMMAND.
//
// # Locks
//
// Locks are flock(2) locks on files in the lock directory (default
// /run/cc-ci, created 0770; files 0660): sweep.lock keeps sweeps one at a
// time, run-active.lock is held shared by each CI job and exclusively by a
// sweep while a recipe runs.
package ccci
