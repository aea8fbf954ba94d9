// Command cc-ci-run runs one CI job in the environment the cc-ci config
// file declares.
//
// Usage:
//
//	cc-ci-run [-config FILE] [-wait DUR] [--] COMMAND [ARG...]
//	cc-ci-run [-config FILE] -check [-json]
//	cc-ci-run [-config FILE] -export
//	cc-ci-run [-config FILE] -fingerprint [-lines]
//	cc-ci-run [-config FILE] -diff OLD.toml
//
// The config is -config FILE, else $CCCI_CONFIG, else /etc/cc-ci/ccci.toml,
// else a built-in default. COMMAND without a slash is looked up in the
// declared directories only; cc-ci-run then replaces itself with COMMAND
// (same PID: its exit status and signals are the job's), with the
// environment built from nothing (PATH, [env] vars, and the caller's
// variables named in pass) and PR_SET_PDEATHSIG set to SIGTERM. With
// [env] strict, PATH is the view: one directory holding a link per
// declared tool, so an undeclared program is "not found" on every host
// alike. Before exec, the tools named in [env.require] must meet their
// constraints (their versions are cached while the files are unchanged).
// The job holds the run-active lock shared; while a sweep recipe run holds
// it, cc-ci-run waits up to -wait (default 5m), then runs anyway with a
// warning.
//
// -check resolves every tool, runs its version flag and prints a table
// (config source, fingerprint, the job's PATH, tool, path, version, ok);
// -json prints it as JSON. -export prints lines for a person's login
// shell: the job's PATH before the shell's own, and the declared variables
// but HOME and the others that are the person's own. -fingerprint prints
// the environment's fingerprint, -lines the lines it hashes (diff two
// hosts' output to see what differs). -diff lists what the current
// declaration drops from OLD.toml.
//
// Exit status: COMMAND's own; otherwise 0 ok, 1 -diff found drops (or an
// unforeseen error), 2 usage or config error, 3 environment incomplete
// (missing tool, failed requirement), 130 interrupted.
package main

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
)

func main() {
	ctx := &signalContext{Context: context.Background()}
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	ctx.stop()
	os.Exit(code)
}

// signalContext is cancelled by SIGINT or SIGTERM, like
// signal.NotifyContext, but installs its handler only when something first
// waits on it (Done): waiting for the run-active lock, -check's probes.
// The usual path of a CI job, which never waits before exec, then skips
// what the handler costs at start-up (the signal loop's goroutine and the
// thread it blocks): ~0.25 ms by BenchmarkTrue when this was written,
// and 1.0 ms (median of 20 runs, paired per iteration, against a build
// calling signal.NotifyContext first thing) on a 2-vCPU VM whose Go floor
// is 17 ms. Under 0.1 ms the plain NotifyContext would win; it is not.
// A signal arriving before any wait ends cc-ci-run before the job starts.
type signalContext struct {
	context.Context
	once      sync.Once
	installed atomic.Bool
	ctx       context.Context
	cancel    context.CancelFunc
}

func (c *signalContext) install() {
	c.once.Do(func() {
		c.ctx, c.cancel = signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
		c.installed.Store(true)
	})
}

func (c *signalContext) Done() <-chan struct{} {
	c.install()
	return c.ctx.Done()
}

// Err is nil until the handler is installed: no signal can have been
// caught before.
func (c *signalContext) Err() error {
	if !c.installed.Load() {
		return nil
	}
	return c.ctx.Err()
}

func (c *signalContext) stop() {
	if c.installed.Load() {
		c.cancel()
	}
}
