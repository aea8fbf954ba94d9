package sweep

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// The text an operator reads: cc-ci-sweep prints it, and so can any program
// built on the package, to a writer of its choosing.

// verdictOrder is the order verdicts are counted in.
var verdictOrder = []Verdict{Pass, Flaky, Fail, Timeout, Error, Interrupted, Deferred, Skipped}

// VerdictCounts is "3 pass, 1 fail, 2 skipped" (an outcome without a
// verdict counts as skipped), or "" for none.
func (s *Summary) VerdictCounts() string {
	n := map[Verdict]int{}
	for _, o := range s.Outcomes {
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
	for _, d := range ds {
		if len(d.Ignored) > 0 {
			fmt.Fprintf(w, "%s ignores %s\n", d.Recipe, ignoredText(d.Ignored))
		}
	}
}

// maxIgnoredShown is how many ignored tags of a recipe the plan's text
// names; -json lists them all.
const maxIgnoredShown = 5

// ignoredText is "3.0.0 (legacy tag without '+', not a release), x+y+z
// (more than one '+') and 4 more".
func ignoredText(tags []IgnoredTag) string {
	var parts []string
	for _, t := range tags[:min(len(tags), maxIgnoredShown)] {
		parts = append(parts, strconv.Quote(t.Tag)+" ("+t.Reason+")")
	}
	text := strings.Join(parts, ", ")
	if n := len(tags) - maxIgnoredShown; n > 0 {
		text += fmt.Sprintf(" and %d more (-json lists them)", n)
	}
	return text
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// String is the line cc-ci-sweep prints for ev: "warning: ...", "sync:
// gitea fetched", "[2/5] gitea 3.5.3+1.24.2 -> 3.6.0+1.24.2 ... started,
// log PATH" as a run starts, "... still running after 6m0s, log PATH"
// every heartbeat, "... fail on try 1 of 2; trying again in a fresh
// checkout, log PATH" before a retry, and the line with its outcome as it
// ends.
func (ev Event) String() string {
	switch ev.Kind {
	case Warning:
		return "warning: " + ev.Err.Error()
	case Fetched:
		if ev.Err != nil {
			return "sync: " + ev.Err.Error() + " (planning from the tags it has)"
		}
		return "sync: " + ev.Recipe + " fetched"
	}
	o := ev.Outcome
	line := fmt.Sprintf("[%d/%d] %s %s -> %s ...", ev.Index, ev.Total, o.Recipe, dash(o.From), o.To)
	switch ev.Kind {
	case Waiting:
		return line + " waiting for CI jobs to end (defer at " + ev.Until.UTC().Format("15:04:05Z") + ")"
	case Started:
		if ev.Log != "" {
			return line + " started, log " + ev.Log
		}
	case Running:
		try := ""
		if ev.Try > 1 {
			try = fmt.Sprintf(" (try %d of %d)", ev.Try, ev.Tries)
		}
		return line + " still running after " + roundDuration(ev.Elapsed) + try + ", log " + ev.Log
	case Retrying:
		return fmt.Sprintf("%s %s on try %d of %d; trying again in a fresh checkout, log %s", line, o.Verdict, ev.Try-1, ev.Tries, ev.Log)
	case Finished:
		return line + " " + outcomeText(o) + " (" + roundDuration(time.Duration(o.Duration)) + ")"
	}
	return line
}

// outcomeText is "pass, promoted", "pass, not promoted: why", "fail", ...
func outcomeText(o Outcome) string {
	switch {
	case o.Verdict == Flaky && o.Promoted:
		return "flaky, promoted (" + o.Note + ")"
	case o.Verdict == Pass && o.Promoted:
		return "pass, promoted"
	case o.Verdict.Passed():
		return string(o.Verdict) + ", " + o.Note
	case o.Verdict == Deferred:
		return "deferred, " + o.Note
	case o.Verdict == Skipped:
		return "skip, " + string(o.Reason)
	case o.RunDir != "":
		return string(o.Verdict) + ", log " + filepath.Join(o.RunDir, o.logName())
	case o.Note != "":
		return string(o.Verdict) + ", " + o.Note
	}
	return string(o.Verdict)
}

// logName is the log of the run's last try.
func (o Outcome) logName() string {
	if n := len(o.Tries); n > 0 {
		return o.Tries[n-1].Log
	}
	return logFile
}

// PrintSummary writes the end of a sweep's report: skips and not-started recipes
// (the runs had their lines already), counts, status.
func PrintSummary(w io.Writer, s *Summary) {
	promoted := 0
	for _, o := range s.Outcomes {
		if o.Promoted {
			promoted++
		}
		if o.RunDir == "" && !o.Verdict.Passed() { // no progress line said what happened
			fmt.Fprintf(w, "  %s %s: %s\n", o.Recipe, outcomeText(o), o.Detail)
		}
	}
	counted := s.VerdictCounts()
	if counted == "" {
		counted = "nothing run"
	}
	fmt.Fprintf(w, "sweep %s: %s; %d promoted (%s)\n", s.Status, counted, promoted,
		roundDuration(s.Finished.Sub(s.Started)))
}

// PrintStatus writes every enrolled recipe's canonical version, last
// result, latest tag and decision as a table (what cc-ci-sweep status
// prints).
func PrintStatus(w io.Writer, ov *Overview) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RECIPE\tCANONICAL\tCOMMIT\tSINCE\tLAST\tLATEST\tSTATUS")
	for _, r := range ov.Recipes {
		canon, commit, since, last := "-", "-", "-", "-"
		if c := r.Canonical; c != nil {
			canon, commit = dash(c.Version), dash(shortCommit(c.Commit))
			if !c.TS.IsZero() {
				since = c.TS.UTC().Format(time.RFC3339)
			}
			if c.Status == StatusByHand {
				since += " (by hand)"
			}
			if c.Last != nil {
				last = fmt.Sprintf("%s %s (%s)", c.Last.Verdict, c.Last.Version, time.Duration(c.Last.Duration))
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Recipe, canon, commit, since, last, dash(r.Latest), r.Reason)
	}
	tw.Flush()
}

// shortCommit is the first 12 hex digits of a commit.
func shortCommit(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}
