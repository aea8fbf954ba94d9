package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/sweep"
)

// sweepOnce shows the plan, runs the sweep with progress lines, and shows
// the summary and the state afterwards: what cc-ci-sweep plan, run and
// status print.
func sweepOnce(ctx context.Context, w io.Writer, d *demo) error {
	cfg, err := ccci.LoadConfig(d.configPath, nil)
	if err != nil {
		return err
	}
	o := sweep.Options{Events: func(ev sweep.Event) { fmt.Fprintln(w, ev) }}
	plan, err := sweep.Plan(ctx, cfg, o)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "$ cc-ci-sweep plan")
	sweep.PrintPlan(w, plan)
	fmt.Fprintln(w, "\n$ cc-ci-sweep run")
	s, err := sweep.Run(ctx, cfg, o)
	if s == nil {
		return err
	}
	sweep.PrintSummary(w, s)
	code := ccci.ExitCode(err)
	fmt.Fprintf(w, "exit code %d", code)
	if err != nil {
		fmt.Fprintf(w, " (%v)", err)
	}
	fmt.Fprintln(w)
	if err != nil && !errors.Is(err, ccci.ErrFailed) {
		return err
	}
	ov, err := sweep.Status(ctx, cfg, sweep.Options{})
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\n$ cc-ci-sweep status")
	sweep.PrintStatus(w, ov)
	fmt.Fprintln(w)
	return nil
}
