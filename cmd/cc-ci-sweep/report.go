package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/board"
	"coopcloud.tech/cc-ci/ccci/env"
	"coopcloud.tech/cc-ci/ccci/recipe"
	"coopcloud.tech/cc-ci/ccci/sweep"
)

// runReport implements "cc-ci-sweep report [-config F] -html DIR": the
// static status board, rebuilt from the state file, the run directories and
// the recipes' tags, and swapped into DIR in one rename. It changes nothing
// the sweep reads, so it may run at any time, also during a sweep.
//
// Failing recipes do not make it fail: it exits 0 when the board was
// written, 2 for usage, config or state file errors and for a DIR that
// exists but is not a board, 3 when nothing is enrolled, 1 when writing
// the board failed.
func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, config := newFlags("report", stderr)
	html := fs.String("html", "", "write the status board into `DIR` (replaced as a whole)")
	history := fs.Int("history", 0, "runs shown per recipe (default [sweep] history, 30)")
	logs := fs.Int("logs", board.DefaultLogs, "newest logs copied into the board per recipe")
	if err := parse(fs, args); err != nil {
		return exit(stderr, err)
	}
	if *html == "" || fs.NArg() > 0 {
		return exit(stderr, usagef("report: -html DIR is required and takes no arguments"))
	}
	cfg, err := loadConfig(*config)
	if err != nil {
		return exit(stderr, err)
	}
	if *history <= 0 {
		*history = cfg.Sweep.History
	}
	in, err := reportInput(ctx, cfg, *history, stderr)
	if err != nil {
		return exit(stderr, err)
	}
	in.Logs = *logs
	if err := board.Generate(*html, *in); err != nil {
		if errors.Is(err, board.ErrNotBoard) {
			err = usagef("%w", err)
		}
		return exit(stderr, err)
	}
	fmt.Fprintf(stdout, "board %s: %s\n", *html, reportCounts(in))
	return ccci.ExitOK
}

// reportInput gathers what the board shows. Problems that only blank a part
// of the board (a clone whose tags cannot be read, a missing tool, an
// unreadable last-sweep summary) are warnings; an unreadable state file or
// an empty enrolment is an error, as for the sweep.
func reportInput(ctx context.Context, cfg *ccci.Config, history int, stderr io.Writer) (*board.Input, error) {
	warn := func(err error) { fmt.Fprintf(stderr, "warning: %v\n", err) }
	recipes, skipped, err := sweep.Enrol(ctx, &cfg.Sweep, os.Getenv)
	if err != nil {
		return nil, err
	}
	for _, err := range skipped {
		warn(err)
	}
	st, err := sweep.ReadState(cfg.Sweep.State)
	if err != nil {
		return nil, err
	}
	in := &board.Input{State: st, Runs: map[string][]board.Run{}}
	in.Recipes = latestTags(ctx, recipes, warn)
	for _, r := range in.Recipes {
		runs, err := board.ReadRuns(cfg.Sweep.Runs, r.Name, history)
		if err != nil {
			warn(err)
		}
		in.Runs[r.Name] = runs
	}
	if in.LastSweep, err = board.ReadLastSweep(cfg.Sweep.Runs); err != nil {
		warn(err)
	}
	if e, err := env.Resolve(cfg.Env); err != nil {
		warn(fmt.Errorf("fingerprint unknown: %w", err))
	} else {
		in.Fingerprint = e.Fingerprint()
	}
	return in, nil
}

// latestTags reads each recipe's tags and picks its latest release.
func latestTags(ctx context.Context, recipes []recipe.Recipe, warn func(error)) []board.Recipe {
	inputs, errs := sweep.ReadInputs(ctx, recipes, 0) // local reads: GOMAXPROCS at a time, as Prepare
	latest := map[string]string{}
	for _, in := range inputs {
		if v, ok := recipe.Latest(recipe.TagNames(in.Tags)); ok {
			latest[in.Recipe.Name] = v.String()
		}
	}
	failed := map[string]string{}
	for _, err := range errs {
		warn(err)
		var ie *sweep.InputError
		if errors.As(err, &ie) {
			failed[ie.Recipe] = ie.Err.Error()
		}
	}
	out := make([]board.Recipe, len(recipes))
	for i, r := range recipes {
		out[i] = board.Recipe{Name: r.Name, Latest: latest[r.Name], Err: failed[r.Name]}
	}
	return out
}

// reportCounts says "3 recipes: 1 failing, 2 ok".
func reportCounts(in *board.Input) string {
	counts := board.Statuses(in)
	var parts []string
	for _, c := range counts {
		parts = append(parts, fmt.Sprintf("%d %s", c.N, c.Status))
	}
	return fmt.Sprintf("%d recipes: %s", len(in.Recipes), strings.Join(parts, ", "))
}
