package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/env"
	"coopcloud.tech/cc-ci/ccci/sweep"
)

const usage = `usage:
  cc-ci-sweep plan    [-config F] [-json] [-weekly] [-only a,b] [-sync] [-retry-failed]
  cc-ci-sweep run     [-config F] [-json] [-weekly] [-only a,b] [-sync] [-retry-failed]
                      [-jobs N] [-defer DUR] [-junit FILE]
  cc-ci-sweep status  [-config F] [-json]
  cc-ci-sweep promote [-config F] RECIPE VERSION
  cc-ci-sweep report  -html DIR [-config F]
  cc-ci-sweep -fingerprint [-config F]

exit codes: 0 ok or nothing to do, 1 a recipe failed or was not promoted,
2 usage/config/state error, 3 environment incomplete or nothing enrolled,
75 busy or deferred (try again later), 130 interrupted
`

// run is the whole command; main only adds signals and os.Exit.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return runTop(args, stdout, stderr)
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "plan":
		err = cmdPlan(ctx, rest, stdout, stderr)
	case "run":
		err = cmdRun(ctx, rest, stdout, stderr)
	case "status":
		err = cmdStatus(rest, stdout, stderr)
	case "promote":
		err = cmdPromote(ctx, rest, stdout, stderr)
	case "report":
		return runReport(ctx, rest, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return ccci.ExitOK
	default:
		err = usagef("unknown command %q", cmd)
	}
	return exit(stderr, err)
}

// exit prints err (if any) and maps it to the exit code.
func exit(stderr io.Writer, err error) int {
	if err == nil {
		return ccci.ExitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return ccci.ExitOK
	}
	if !errors.Is(err, errReported) {
		// One prefixed line per line: a *env.MissingError names each tool.
		for line := range strings.SplitSeq(err.Error(), "\n") {
			fmt.Fprintln(stderr, "cc-ci-sweep: "+line)
		}
	}
	if errors.Is(err, ccci.ErrUsage) || errors.Is(err, errFlags) {
		return ccci.ExitUsage
	}
	return ccci.ExitCode(err)
}

// usagef is a usage mistake (exit 2), printed as its message alone.
var usagef = ccci.Usagef

var (
	// errFlags is a flag parsing error, already printed by the flag set.
	errFlags = errors.New("bad flags")
	// errReported marks an error whose message was already printed.
	errReported = errors.New("reported")
)

// runTop handles the flags without a subcommand: -fingerprint, -h.
func runTop(args []string, stdout, stderr io.Writer) int {
	fs, config := newFlags("cc-ci-sweep", stderr)
	fingerprint := fs.Bool("fingerprint", false, "print the environment's fingerprint")
	if err := parse(fs, args); err != nil {
		return exit(stderr, err)
	}
	if !*fingerprint || fs.NArg() > 0 {
		fmt.Fprint(stderr, usage)
		return ccci.ExitUsage
	}
	cfg, err := loadConfig(*config)
	if err != nil {
		return exit(stderr, err)
	}
	e, err := env.Resolve(cfg.Env)
	if err != nil {
		return exit(stderr, err)
	}
	fmt.Fprintln(stdout, e.Fingerprint())
	return ccci.ExitOK
}

// newFlags makes a flag set with -config.
func newFlags(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	return fs, fs.String("config", "", "config file (default $CCCI_CONFIG, else /etc/cc-ci/ccci.toml)")
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %w", errReported, errFlags)
	}
	return nil
}

func loadConfig(path string) (*ccci.Config, error) {
	return ccci.LoadConfig(path, os.Getenv)
}

// planFlags are the flags plan and run share.
type planFlags struct {
	config, only       *string
	json, weekly, sync *bool
	retryFailed        *bool
	fs                 *flag.FlagSet
}

func newPlanFlags(name string, stderr io.Writer) *planFlags {
	fs, config := newFlags(name, stderr)
	return &planFlags{
		fs:          fs,
		config:      config,
		only:        fs.String("only", "", "comma-separated recipes to plan (default all)"),
		json:        fs.Bool("json", false, "print only JSON on stdout"),
		weekly:      fs.Bool("weekly", false, "re-verify everything, known failures included"),
		sync:        fs.Bool("sync", false, "fetch each clone's tags from its remote first"),
		retryFailed: fs.Bool("retry-failed", false, "run known failures in nightly mode too"),
	}
}

// options builds the sweep options once the flags are parsed.
func (p *planFlags) options(stderr io.Writer) (sweep.RunOptions, error) {
	if p.fs.NArg() > 0 {
		return sweep.RunOptions{}, usagef("%s: unexpected argument %q", p.fs.Name(), p.fs.Arg(0))
	}
	cfg, err := loadConfig(*p.config)
	if err != nil {
		return sweep.RunOptions{}, err
	}
	o := sweep.RunOptions{
		Config: cfg,
		Sync:   *p.sync,
		Plan:   sweep.Options{Weekly: *p.weekly, RetryFailed: *p.retryFailed, Only: splitList(*p.only)},
		Warn:   func(err error) { fmt.Fprintf(stderr, "warning: %v\n", err) },
		Fetched: func(name string, err error) {
			if err != nil {
				fmt.Fprintf(stderr, "sync: %v (planning from the tags it has)\n", err)
				return
			}
			fmt.Fprintf(stderr, "sync: %s fetched\n", name)
		},
	}
	return o, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
