package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/board"
	"coopcloud.tech/cc-ci/ccci/sweep"
)

// reportFlags is "cc-ci-sweep report [-config F] -html DIR": the static
// status board, built from sweep.Status (the decisions plan makes, the
// state file and the run directories) and swapped into DIR in one rename.
// It changes nothing the sweep reads, so it may run at any time, also
// during a sweep.
//
// Failing recipes do not make it fail: it exits 0 when the board was
// written, 2 for usage, config or state file errors and for a DIR that
// exists but is not a board, 3 when nothing is enrolled, 1 when writing
// the board failed.
func reportFlags(fs *flag.FlagSet) func(context.Context, *ccci.Config, []string, io.Writer, io.Writer) error {
	options := planOptions(fs)
	html := fs.String("html", "", "write the status board into `DIR` (replaced as a whole; required)")
	history := fs.Int("history", 0, "runs shown per recipe (default [sweep] history)")
	logs := fs.Int("logs", board.DefaultLogs, "newest logs copied into the board per recipe")
	return func(ctx context.Context, cfg *ccci.Config, _ []string, stdout, stderr io.Writer) error {
		if *html == "" {
			return ccci.Usagef("report: -html DIR is required and takes no arguments")
		}
		o := options(stderr)
		o.History = *history
		if o.History <= 0 {
			o.History = cfg.Sweep.History
		}
		bo := board.Options{Logs: *logs, LogTail: cfg.Sweep.LogTail, Redact: redactor(cfg)}
		ov, err := sweep.Status(ctx, cfg, o)
		if errors.Is(err, ccci.ErrNothingEnrolled) {
			// A board that says so, rather than yesterday's board; the
			// exit status still says it (3).
			ov, bo.Problem = &sweep.Overview{Config: cfg.File}, "Nothing is enrolled: "+err.Error()
		} else if err != nil {
			return err
		}
		if gerr := board.Generate(*html, ov, bo); gerr != nil {
			if errors.Is(gerr, board.ErrNotBoard) || errors.Is(gerr, syscall.ENOTDIR) {
				gerr = ccci.Usagef("%w", gerr)
			}
			return gerr
		}
		fmt.Fprintf(stdout, "board %s: %s\n", *html, reportCounts(ov))
		return err
	}
}

// redactor masks, in what the board publishes, the values of the
// declared secret variables ([env] secrets) as *** and the host's own
// directories as <runs>, <state>, <lockdir>, <recipes>, <tmp>.
func redactor(cfg *ccci.Config) func(string) string {
	var pairs []string
	for _, v := range cfg.Env.SecretValues(os.Environ()) {
		pairs = append(pairs, v, "***")
	}
	dirs := [][2]string{{cfg.Sweep.Runs, "<runs>"}, {filepath.Dir(cfg.Sweep.State), "<state>"},
		{cfg.Sweep.Lockdir, "<lockdir>"}, {cfg.Sweep.Recipes, "<recipes>"}, {os.TempDir(), "<tmp>"}}
	slices.SortFunc(dirs, func(a, b [2]string) int { return len(b[0]) - len(a[0]) }) // longest first
	for _, d := range dirs {
		if len(d[0]) > 1 {
			pairs = append(pairs, d[0], d[1])
		}
	}
	return strings.NewReplacer(pairs...).Replace
}

// reportCounts says "3 recipes: 1 known-failure, 2 up-to-date".
func reportCounts(ov *sweep.Overview) string {
	var parts []string
	for _, c := range board.Statuses(ov) {
		parts = append(parts, fmt.Sprintf("%d %s", c.N, c.Status))
	}
	return fmt.Sprintf("%d recipes: %s", len(ov.Recipes), strings.Join(parts, ", "))
}
