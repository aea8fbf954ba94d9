package sweep

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// The text an operator reads: cc-ci-sweep prints it, and so can any program
// built on the package, to a writer of its choosing.

// verdictOrder is the order verdicts are counted in.
var verdictOrder = []Verdict{Pass, Fail, Timeout, Error, Interrupted, Deferred, Skipped}

// CountVerdicts is "3 pass, 1 fail, 2 skipped" (an outcome without a
// verdict counts as skipped), or "" for none.
func CountVerdicts(outcomes []Outcome) string {
	n := map[Verdict]int{}
	for _, o := range outcomes {
		v := o.Verdict
		if v == "" {
			v = Skipped
		}
		n[v]++
	}
	var parts []string
	for _, v := range verdictOrder {
		if n[v] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[v], v))
		}
	}
	return strings.Join(parts, ", ")
}

// roundDuration rounds to the second, or to the millisecond under one.
func roundDuration(d time.Duration) string {
	if d >= time.Second {
		return d.Round(time.Second).String()
	}
	return d.Round(time.Millisecond).String()
}

// PrintPlan writes the plan as a table (what cc-ci-sweep plan prints).
func PrintPlan(w io.Writer, ds []Decision) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RECIPE\tACTION\tREASON\tFROM\tTO\tDETAIL")
	for _, d := range ds {
		detail := d.Detail
		if d.Warning {
			detail = "WARNING: " + detail
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", d.Recipe, d.Action, d.Reason, dash(d.From), dash(d.To), detail)
	}
	tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// ProgressLine is "[2/5] gitea 3.5.3+1.24.2 -> 3.6.0+1.24.2 ..." as a run
// starts, and the same with its outcome as it ends.
func ProgressLine(ev Event) string {
	o := ev.Outcome
	line := fmt.Sprintf("[%d/%d] %s %s -> %s ...", ev.Index, ev.Total, o.Recipe, dash(o.From), o.To)
	if ev.Waiting {
		return line + " waiting for CI jobs to end (defer at " + ev.Until.UTC().Format("15:04:05Z") + ")"
	}
	if !ev.Done {
		return line
	}
	return line + " " + OutcomeText(o) + " (" + roundDuration(time.Duration(o.Duration)) + ")"
}

// OutcomeText is "pass, promoted", "pass, not promoted: why", "fail", ...
func OutcomeText(o Outcome) string {
	switch {
	case o.Verdict == Pass && o.Promoted:
		return "pass, promoted"
	case o.Verdict == Pass:
		return "pass, " + o.Note
	case o.Verdict == Skipped:
		return "skip, " + string(o.Reason)
	case o.RunDir != "":
		return string(o.Verdict) + ", log " + o.RunDir + "/" + LogFile
	case o.Note != "":
		return string(o.Verdict) + ", " + o.Note
	}
	return string(o.Verdict)
}

// PrintSummary writes the end of a sweep's report: skips and not-started recipes
// (the runs had their lines already), counts, status.
func PrintSummary(w io.Writer, s *Summary) {
	promoted := 0
	for _, o := range s.Outcomes {
		if o.Promoted {
			promoted++
		}
		if o.Verdict == Skipped || o.Verdict == Deferred || o.RunDir == "" && o.Verdict == Interrupted {
			fmt.Fprintf(w, "  %s %s: %s\n", o.Recipe, OutcomeText(o), o.Detail)
		}
	}
	counted := CountVerdicts(s.Outcomes)
	if counted == "" {
		counted = "nothing run"
	}
	fmt.Fprintf(w, "sweep %s: %s; %d promoted (%s)\n", s.Status, counted, promoted,
		roundDuration(s.Finished.Sub(s.Started)))
}

// PrintStatus writes the canonical versions and last results as a table.
func PrintStatus(w io.Writer, st *State) {
	names := make([]string, 0, len(st.Recipes))
	for name := range st.Recipes {
		names = append(names, name)
	}
	slices.Sort(names)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RECIPE\tCANONICAL\tCOMMIT\tSINCE\tLAST")
	for _, name := range names {
		r := st.Recipes[name]
		since := "-"
		if !r.TS.IsZero() {
			since = r.TS.UTC().Format(time.RFC3339)
		}
		last := "-"
		if r.Last != nil {
			last = fmt.Sprintf("%s %s (%s)", r.Last.Verdict, r.Last.Version, time.Duration(r.Last.Duration))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", name, dash(r.Version), dash(ShortCommit(r.Commit)), since, last)
	}
	tw.Flush()
}

// ShortCommit is the first 12 hex digits of a commit.
func ShortCommit(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}
