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
  cc-ci-sweep init    [-config F]
  cc-ci-sweep plan    [-config F] [-json] [-weekly] [-only a,b] [-sync] [-retry-failed]
  cc-ci-sweep run     [-config F] [-json] [-weekly] [-only a,b] [-sync] [-retry-failed]
                      [-jobs N] [-defer DUR] [-junit FILE]
  cc-ci-sweep status  [-config F] [-json] [-weekly] [-only a,b] [-sync] [-retry-failed]
  cc-ci-sweep promote [-config F] RECIPE VERSION
  cc-ci-sweep tags    [-config F] [-json] RECIPE
  cc-ci-sweep report  [-config F] -html DIR [-weekly] [-only a,b] [-sync] [-retry-failed]
  cc-ci-sweep -fingerprint [-config F]
  cc-ci-sweep COMMAND -h     (the command's flags)

exit codes: 0 ok or nothing to do, 1 a recipe failed or was not promoted,
2 usage/config/state error, 3 environment incomplete or nothing enrolled,
75 busy or deferred (try again later), 130 interrupted
`

// command is one subcommand: its usage line and what it does with its
// parsed flag set.
type command struct {
	args  string // after the name in the usage line
	about string
	flags func(*flag.FlagSet) func(ctx context.Context, cfg *ccci.Config, args []string, stdout, stderr io.Writer) error
	nargs int // positional arguments wanted
}

var commands = map[string]command{
	"plan":    {"[-config F] [flags]", "Print what a sweep would run, and why. Changes nothing.", planFlags, 0},
	"run":     {"[-config F] [flags]", "Sweep: run what the plan says, promote what passed.", runFlags, 0},
	"status":  {"[-config F] [-json] [flags]", "Print every enrolled recipe: canonical version, last result, latest tag, decision.", statusFlags, 0},
	"promote": {"[-config F] RECIPE VERSION", "Make VERSION, a release tag of RECIPE, its canonical version by hand.", promoteFlags, 2},
	"tags":    {"[-config F] [-json] RECIPE", "List every tag of RECIPE and whether it counts as a release, or why not.", tagsFlags, 1},
	"report":  {"[-config F] -html DIR [flags]", "Write the static status board into DIR, replacing it as a whole.", reportFlags, 0},
	"init":    {"[-config F]", "Create the state file, empty (never overwritten; a sweep never creates one).", initFlags, 0},
}

// run is the whole command; main only adds signals and os.Exit.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	top := flag.NewFlagSet("cc-ci-sweep", flag.ContinueOnError)
	top.SetOutput(io.Discard)
	config := top.String("config", "", "config `FILE`")
	fingerprint := top.Bool("fingerprint", false, "print the environment's fingerprint")
	err := top.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, usage)
		return ccci.ExitOK
	case err != nil:
		return exit(stderr, ccci.Usagef("%v (see cc-ci-sweep -h)", err))
	case *fingerprint && top.NArg() == 0:
		return exit(stderr, printFingerprint(*config, stdout))
	case top.NArg() == 0:
		fmt.Fprint(stderr, usage)
		return exit(stderr, ccci.Usagef("no command given"))
	}
	name, rest := top.Arg(0), top.Args()[1:]
	if name == "help" {
		fmt.Fprint(stdout, usage)
		return ccci.ExitOK
	}
	if *config != "" { // -config before the command counts as after it
		rest = append([]string{"-config", *config}, rest...)
	}
	return exit(stderr, runCommand(ctx, name, rest, stdout, stderr))
}

// runCommand parses a subcommand's flags (also after its arguments) and
// runs it.
func runCommand(ctx context.Context, name string, args []string, stdout, stderr io.Writer) error {
	c, ok := commands[name]
	if !ok {
		return ccci.Usagef("unknown command %q (see cc-ci-sweep -h)", name)
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	config := fs.String("config", "", "config `FILE` (default $CCCI_CONFIG, else "+ccci.SystemConfig+", else built-in)")
	do := c.flags(fs)
	pos, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(stdout, "usage: cc-ci-sweep %s %s\n\n%s\n\nflags:\n", name, c.args, c.about)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return nil
	}
	if err != nil {
		return ccci.Usagef("%s: %v (see cc-ci-sweep %s -h)", name, err, name)
	}
	if len(pos) != c.nargs {
		return ccci.Usagef("%s: want %s, got %d argument(s)%s", name, c.args, len(pos), quoted(pos))
	}
	cfg, err := ccci.LoadConfig(*config, os.Getenv)
	if err != nil {
		return err
	}
	return do(ctx, cfg, pos, stdout, stderr)
}

// parseInterspersed parses flags before, between and after positional
// arguments ("promote gitea 1.0.0+1 -config F"); "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

func quoted(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return fmt.Sprintf(": %q", args)
}

// exit prints err (if any) and maps it to the exit code with
// ccci.ExitCode, the one mapping.
func exit(stderr io.Writer, err error) int {
	if err != nil {
		// One prefixed line per line: a *env.MissingError names each tool.
		for line := range strings.SplitSeq(err.Error(), "\n") {
			fmt.Fprintln(stderr, "cc-ci-sweep: "+line)
		}
	}
	return ccci.ExitCode(err)
}

// printFingerprint prints the environment's fingerprint, as cc-ci-run
// -fingerprint does for the same config.
func printFingerprint(config string, stdout io.Writer) error {
	cfg, err := ccci.LoadConfig(config, os.Getenv)
	if err != nil {
		return err
	}
	e, err := env.Resolve(cfg.Env)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, e.Fingerprint())
	return err
}

// planOptions adds the flags plan and run share and returns the options
// they give once parsed.
func planOptions(fs *flag.FlagSet) func(stderr io.Writer) sweep.Options {
	only := fs.String("only", "", "comma-separated `recipes` to plan; the others are skipped as not-selected")
	weekly := fs.Bool("weekly", false, "weekly mode: re-verify up-to-date recipes and known failures too")
	sync := fs.Bool("sync", false, "fetch each clone's tags from its origin first (also when [sweep] sync = true)")
	retry := fs.Bool("retry-failed", false, "run known failures (the latest tag failed before) in nightly mode too")
	return func(stderr io.Writer) sweep.Options {
		return sweep.Options{Weekly: *weekly, RetryFailed: *retry, Sync: *sync, Only: splitList(*only),
			Events: func(ev sweep.Event) { fmt.Fprintln(stderr, ev) }}
	}
}

func splitList(s string) []string {
	var out []string
	for f := range strings.SplitSeq(s, ",") {
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
