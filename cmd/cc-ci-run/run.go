package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/env"
)

const usage = `Usage:
  cc-ci-run [-config FILE] [-wait DUR] [--] COMMAND [ARG...]
  cc-ci-run [-config FILE] -check [-json]
  cc-ci-run [-config FILE] -export
  cc-ci-run [-config FILE] -fingerprint [-lines]
  cc-ci-run [-config FILE] -diff OLD.toml

Runs COMMAND in the declared environment (exec: same PID, its exit status),
after checking [env.require]. With [env] strict, its PATH holds the declared
tools alone: a "command not found" names a tool to add to env.tools.
Config: -config FILE, else $CCCI_CONFIG, else /etc/cc-ci/ccci.toml, else built-in.

Exit status (other than COMMAND's own):
    0  ok
    1  -diff: the declaration drops something (or an unforeseen error)
    2  usage or config error
    3  environment incomplete: a tool missing, a requirement not met, or
       $CCCI_FINGERPRINT set and not this host's fingerprint
  130  interrupted

Flags:
`

// options are the parsed command line.
type options struct {
	config      string
	wait        time.Duration
	check, json bool
	export      bool
	fingerprint bool
	lines       bool
	diff        string
	argv        []string
}

// parse reads the flags; a usage error wraps ccci.ErrUsage, -h is
// flag.ErrHelp.
func parse(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("cc-ci-run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.config, "config", "", "config `FILE` (default $CCCI_CONFIG, else "+ccci.SystemConfig+")")
	fs.DurationVar(&o.wait, "wait", ccci.DefaultWait, "how long to wait for a sweep recipe run to release the run-active lock")
	fs.BoolVar(&o.check, "check", false, "resolve every tool, probe versions, print a table")
	fs.BoolVar(&o.json, "json", false, "with -check: print JSON only")
	fs.BoolVar(&o.export, "export", false, "print shell export lines for a host login shell")
	fs.BoolVar(&o.fingerprint, "fingerprint", false, "print the environment's fingerprint")
	fs.BoolVar(&o.lines, "lines", false, "with -fingerprint: print the lines it hashes instead, to compare two hosts with diff")
	fs.StringVar(&o.diff, "diff", "", "list what the current declaration drops from `OLD.toml`")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", ccci.ErrUsage, err)
	}
	o.argv = fs.Args()
	return o, o.validate()
}

func (o *options) validate() error {
	modes := 0
	for _, on := range []bool{o.check, o.export, o.fingerprint, o.diff != "", len(o.argv) > 0} {
		if on {
			modes++
		}
	}
	switch {
	case o.json && !o.check: // before "no COMMAND": -json alone is this mistake
		return fmt.Errorf("%w: -json goes with -check (cc-ci-run -check -json)", ccci.ErrUsage)
	case o.lines && !o.fingerprint:
		return fmt.Errorf("%w: -lines goes with -fingerprint (cc-ci-run -fingerprint -lines)", ccci.ErrUsage)
	case modes == 0:
		return fmt.Errorf("%w: no COMMAND (see -h)", ccci.ErrUsage)
	case modes > 1:
		return fmt.Errorf("%w: -check, -export, -fingerprint, -diff and COMMAND go alone", ccci.ErrUsage)
	case o.wait < 0:
		return fmt.Errorf("%w: -wait %v is negative", ccci.ErrUsage, o.wait)
	}
	return nil
}

// run is the whole program; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return ccci.ExitOK
	}
	if err == nil {
		err = o.do(ctx, stdout, stderr)
	}
	if err != nil {
		report(stderr, err)
	}
	return ccci.ExitCode(err)
}

// report prints err, one "cc-ci-run: " line per line of its message.
func report(stderr io.Writer, err error) {
	for line := range strings.SplitSeq(err.Error(), "\n") {
		fmt.Fprintln(stderr, "cc-ci-run: "+line)
	}
}

func (o *options) do(ctx context.Context, stdout, stderr io.Writer) error {
	cfg, err := ccci.LoadConfig(o.config, os.Getenv)
	if err != nil {
		return err
	}
	switch {
	case o.check:
		return check(ctx, cfg, o.json, stdout)
	case o.diff != "":
		return diff(cfg, o.diff, stdout)
	}
	e, err := env.Resolve(cfg.Env)
	if err != nil {
		return err
	}
	switch {
	case o.export:
		return export(e, stdout)
	case o.fingerprint:
		return fingerprint(e, o.lines, stdout)
	}
	// A job whose tools miss a requirement does not start (cached: no
	// process runs while the tools are unchanged).
	if err := e.CheckRequire(ctx); err != nil {
		return err
	}
	// A job the sweep handed to another host (a Drone build) carries the
	// sweep's fingerprint: a host whose tools drifted refuses, exit 3.
	if err := ccci.CheckParity(e, os.Getenv); err != nil {
		return err
	}
	return o.exec(ctx, cfg, e, stderr)
}

// exec takes the run-active lock (unless the sweep handed it over) and
// replaces the process with the job. It returns only on error.
func (o *options) exec(ctx context.Context, cfg *ccci.Config, e *env.Env, stderr io.Writer) error {
	if _, err := e.LookPath(o.argv[0]); err != nil {
		return err // before any wait: a missing command never waits
	}
	var (
		extra []string
		lock  *ccci.Lock
	)
	lockdir := cfg.Sweep.Lockdir
	// End what the runs of a killed sweep left running (this user's only).
	if _, err := ccci.ReapDead(lockdir); err != nil {
		fmt.Fprintln(stderr, "cc-ci-run: warning: "+err.Error())
	}
	if ccci.SweepHoldsRunLock(lockdir, os.Getenv) {
		// The sweep holds the lock for us. Its run variables (ABRA_DIR,
		// CCCI_VERSION, ..., CCCI_RUN_LOCK for nested cc-ci-runs) go on to
		// the job whatever [env] pass says.
		for _, name := range ccci.SweepRunVars() {
			if v, ok := os.LookupEnv(name); ok {
				extra = append(extra, name+"="+v)
			}
		}
	} else {
		say := func(msg string) { fmt.Fprintln(stderr, "cc-ci-run: "+msg) }
		var err error
		lock, err = ccci.AcquireRunActive(ctx, lockdir, o.wait, say)
		if ctx.Err() != nil {
			return fmt.Errorf("waiting for the run-active lock: %w", ccci.ErrInterrupted)
		}
		// Never keep a CI job from running for want of the lock.
		if errors.Is(err, ccci.ErrLocked) {
			say(fmt.Sprintf("warning: running without the run-active lock after waiting %v: %v", o.wait, err))
		} else if err != nil {
			say(fmt.Sprintf("warning: running without the run-active lock: %v", err))
		}
	}
	err := ccci.Exec(e, o.argv, os.Environ(), extra...)
	runtime.KeepAlive(lock) // its finalizer must not close the fd before exec
	return err
}
