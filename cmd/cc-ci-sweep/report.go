package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

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
		ov, err := sweep.Status(ctx, cfg, o)
		if err != nil {
			return err
		}
		if err := board.Generate(*html, ov, board.Options{Logs: *logs}); err != nil {
			if errors.Is(err, board.ErrNotBoard) {
				err = ccci.Usagef("%w", err)
			}
			return err
		}
		fmt.Fprintf(stdout, "board %s: %s\n", *html, reportCounts(ov))
		return nil
	}
}

// reportCounts says "3 recipes: 1 known-failure, 2 up-to-date".
func reportCounts(ov *sweep.Overview) string {
	var parts []string
	for _, c := range board.Statuses(ov) {
		parts = append(parts, fmt.Sprintf("%d %s", c.N, c.Status))
	}
	return fmt.Sprintf("%d recipes: %s", len(ov.Recipes), strings.Join(parts, ", "))
}
