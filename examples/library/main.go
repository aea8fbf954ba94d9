// Command library is a small program another tool might write with the
// cc-ci library: it lists, as Markdown for a chat bot, the recipes the
// next sweep would run and why, plus the ones it warns about. It reads the
// same config, recipe clones and state file as cc-ci-sweep, and changes
// nothing.
//
// Usage:
//
//	go run ./examples/library [-config FILE] [-weekly] [-retry-failed] [-only a,b]
//
// Exit status: 0 with the list printed (also when it is empty), 2 for a
// config or state file error, 3 when nothing is enrolled.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/sweep"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("library", flag.ContinueOnError)
	fs.SetOutput(stderr)
	config := fs.String("config", "", "config file (default $CCCI_CONFIG, else /etc/cc-ci/ccci.toml)")
	weekly := fs.Bool("weekly", false, "plan as the weekly sweep does (known failures too)")
	retry := fs.Bool("retry-failed", false, "plan known failures too")
	only := fs.String("only", "", "comma-separated recipes to plan")
	if err := fs.Parse(args); err != nil {
		return ccci.ExitUsage
	}
	opts := sweep.Options{Weekly: *weekly, RetryFailed: *retry}
	if *only != "" {
		opts.Only = strings.Split(*only, ",")
	}
	ds, err := pending(ctx, *config, opts)
	if err != nil {
		fmt.Fprintf(stderr, "library: %v\n", err)
		return ccci.ExitCode(err)
	}
	markdown(stdout, ds)
	return ccci.ExitOK
}

// pending plans a sweep without running it: the same verb, and so the
// same decisions, as cc-ci-sweep plan.
func pending(ctx context.Context, config string, opts sweep.Options) ([]sweep.Decision, error) {
	cfg, err := ccci.LoadConfig(config, os.Getenv)
	if err != nil {
		return nil, err
	}
	return sweep.Plan(ctx, cfg, opts)
}

// markdown writes the decisions that run, then those that warn.
func markdown(w io.Writer, ds []sweep.Decision) {
	var runs, warns []sweep.Decision
	for _, d := range ds {
		switch {
		case d.Action == sweep.ActionRun:
			runs = append(runs, d)
		case d.Warning:
			warns = append(warns, d)
		}
	}
	fmt.Fprintf(w, "**cc-ci: %d of %d recipes to test**\n", len(runs), len(ds))
	for _, d := range runs {
		from := d.From
		if from == "" {
			from = "none"
		}
		fmt.Fprintf(w, "- `%s` %s → `%s` (%s)\n", d.Recipe, from, d.To, d.Reason)
	}
	for _, d := range warns {
		fmt.Fprintf(w, "- ⚠ `%s`: %s\n", d.Recipe, d.Detail)
	}
}
