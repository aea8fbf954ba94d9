// Command cc-ci-sweep is the timer job of cc-ci: it re-tests every enrolled
// Co-op Cloud recipe whose newest release tag is newer than its canonical
// version (the last one that passed), and promotes the canonical version on
// a pass.
//
// Usage:
//
//	cc-ci-sweep plan    [-config F] [-json] [-weekly] [-only a,b] [-sync] [-retry-failed]
//	cc-ci-sweep run     [-config F] [-json] [-weekly] [-only a,b] [-sync] [-retry-failed]
//	                    [-jobs N] [-defer DUR] [-junit FILE]
//	cc-ci-sweep status  [-config F] [-json]
//	cc-ci-sweep promote [-config F] RECIPE VERSION
//	cc-ci-sweep report  -html DIR [-config F]
//	cc-ci-sweep -fingerprint [-config F]
//
// The config is -config FILE, else $CCCI_CONFIG, else /etc/cc-ci/ccci.toml,
// else the built-in default. "plan" shows what would run and why, changing
// nothing. "run" takes <lockdir>/sweep.lock (one sweep at a time), waits for
// CI jobs holding <lockdir>/run-active.lock (up to -defer), runs each
// planned recipe in a fresh ABRA_DIR with the recipe checked out at the
// tag's commit, and promotes what passed. Progress goes to stderr, one line
// as each recipe starts and ends; -json prints only JSON on stdout (the
// plan, the sweep summary, or the state). "promote" makes VERSION, a
// release tag of RECIPE, its canonical version by hand. -fingerprint prints
// the environment's fingerprint, the same value cc-ci-run -fingerprint
// prints for the same config.
//
// Exit codes: 0 all passed or nothing to do; 1 a recipe failed, timed out
// or was not promoted; 2 usage, config or state file error; 3 environment
// incomplete or nothing enrolled; 75 another sweep is running, or deferred
// because CI jobs kept the host busy (try again later); 130 interrupted.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
