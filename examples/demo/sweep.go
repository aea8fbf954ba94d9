package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

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
	var mu sync.Mutex // progress comes from concurrent runs
	o := sweep.RunOptions{
		Config: cfg,
		Progress: func(ev sweep.Event) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintln(w, progressLine(ev))
		},
		Warn: func(err error) { fmt.Fprintln(w, "warning:", err) },
	}
	_, plan, err := sweep.Prepare(ctx, &o)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "$ cc-ci-sweep plan")
	printPlan(w, plan)
	fmt.Fprintln(w, "\n$ cc-ci-sweep run")
	s, err := sweep.Run(ctx, o)
	if s == nil {
		return err
	}
	printSummary(w, s)
	code := ccci.ExitCode(err)
	fmt.Fprintf(w, "exit code %d", code)
	if err != nil {
		fmt.Fprintf(w, " (%v)", err)
	}
	fmt.Fprintln(w)
	if err != nil && !errors.Is(err, ccci.ErrFailed) {
		return err
	}
	st, err := sweep.ReadState(cfg.Sweep.State)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\n$ cc-ci-sweep status")
	printStatus(w, st)
	fmt.Fprintln(w)
	return nil
}

func printPlan(w io.Writer, ds []sweep.Decision) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RECIPE\tACTION\tREASON\tDETAIL")
	for _, d := range ds {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.Recipe, d.Action, d.Reason, d.Detail)
	}
	tw.Flush()
}

func progressLine(ev sweep.Event) string {
	o := ev.Outcome
	from := o.From
	if from == "" {
		from = "-"
	}
	line := fmt.Sprintf("[%d/%d] %s %s -> %s ...", ev.Index, ev.Total, o.Recipe, from, o.To)
	switch {
	case ev.Waiting:
		return line + " waiting for CI jobs to end"
	case !ev.Done:
		return line
	}
	verdict := string(o.Verdict)
	switch {
	case o.Verdict == sweep.Pass && o.Promoted:
		verdict = "pass, promoted"
	case o.Verdict == sweep.Pass:
		verdict = "pass, " + o.Note
	case o.RunDir != "":
		verdict += ", log " + o.RunDir + "/" + sweep.LogFile
	}
	return fmt.Sprintf("%s %s (%s)", line, verdict, time.Duration(o.Duration).Round(10*time.Millisecond))
}

func printSummary(w io.Writer, s *sweep.Summary) {
	counts := map[sweep.Verdict]int{}
	for _, o := range s.Outcomes {
		counts[o.Verdict]++
		if o.Verdict == sweep.Skipped {
			fmt.Fprintf(w, "  %s skip, %s: %s\n", o.Recipe, o.Reason, o.Detail)
		}
	}
	var parts []string
	for _, v := range []sweep.Verdict{sweep.Pass, sweep.Fail, sweep.Timeout, sweep.Error, sweep.Skipped} {
		if counts[v] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[v], v))
		}
	}
	fmt.Fprintf(w, "sweep %s: %s\n", s.Status, strings.Join(parts, ", "))
}

func printStatus(w io.Writer, st *sweep.State) {
	var names []string
	for n := range st.Recipes {
		names = append(names, n)
	}
	slices.Sort(names)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RECIPE\tCANONICAL\tCOMMIT\tLAST")
	for _, n := range names {
		r := st.Recipes[n]
		last := "-"
		if r.Last != nil {
			last = fmt.Sprintf("%s %s", r.Last.Verdict, r.Last.Version)
		}
		commit := r.Commit
		if len(commit) > 12 {
			commit = commit[:12]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", n, r.Version, commit, last)
	}
	tw.Flush()
}
