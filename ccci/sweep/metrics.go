package sweep

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"coopcloud.tech/cc-ci/ccci/recipe"
	"coopcloud.tech/cc-ci/internal/atomicfile"
)

// Metrics: after every sweep that held the sweep lock (deferred, failed,
// interrupted and early errors too) [sweep] metrics is replaced, atomically,
// with a file in the Prometheus text exposition format for
// node_exporter's textfile collector. Names follow the Prometheus naming
// conventions: the ccci_ prefix, base units as suffixes (_seconds,
// _bytes), times as Unix timestamps (_timestamp_seconds: an age written
// into a file would stop growing between sweeps; the age is time() minus
// the timestamp), _info for a metric that carries a label, and no _total
// because nothing here is a counter: every value is a gauge describing the
// last sweep or the state file.
//
//	ccci_sweep_start_timestamp_seconds          when the last sweep started
//	ccci_sweep_end_timestamp_seconds            when it ended
//	ccci_sweep_status{status}                   1 for its status (ok, failed, deferred, interrupted, error), 0 for the others
//	ccci_sweep_last_success_timestamp_seconds   when a sweep last ended ok (0: never)
//	ccci_sweep_enrolled_recipes                 recipes it enrolled (left out when an early error hid them)
//	ccci_sweep_outcomes{verdict}                its recipes by verdict (pass, flaky, fail, ..., skipped)
//	ccci_sweep_last_run_timestamp_seconds       when the newest recipe run the state file records started (0: none)
//	ccci_sweep_low_disk                         1 when it stopped starting runs for low disk space, else 0
//	ccci_sweep_low_disk_free_bytes{mountpoint}  then: the free space of that filesystem
//	ccci_sweep_min_free_bytes                   [sweep] min_free (0: not checked)
//	ccci_recipe_canonical_info{recipe,version,status}    1 per recipe with a canonical version
//	ccci_recipe_canonical_timestamp_seconds{recipe}      when it was verified (or promoted by hand)
//	ccci_recipe_behind{recipe}                           1 when its latest release is newer than its canonical version
//	ccci_recipe_last_verdict{recipe,verdict}             1 for the verdict of its last run
//	ccci_recipe_last_run_timestamp_seconds{recipe}       when its last run started
//	ccci_recipe_last_duration_seconds{recipe}            how long it took
//	ccci_recipe_failing_since_timestamp_seconds{recipe}  while its last run failed: the start of its streak of failures
//
// Per-recipe metrics cover the enrolled recipes; they are left out when
// the recipes or the state file cannot be read.

// sweepStatuses are the values of Summary.Status, in the order the
// metrics list them.
var sweepStatuses = []string{"ok", "failed", "deferred", "interrupted", "error"}

// metricsInput is what the metrics file describes.
type metricsInput struct {
	sum      *Summary
	minFree  int64
	enrolled []input // nil when unknown
	known    bool    // enrolled is known (it may be empty: nothing enrolled)
	st       *state  // the state after the sweep; nil when unreadable
}

// writeMetrics replaces path with the metrics of in.
func writeMetrics(path string, in *metricsInput) error {
	return atomicfile.Write(path, in.text(), 0o644)
}

// text is the exposition: one family after the other, each with its HELP
// and TYPE lines, then its samples.
func (in *metricsInput) text() []byte {
	var w promWriter
	in.sweepFamilies(&w)
	in.recipeFamilies(&w)
	return []byte(w.String())
}

func (in *metricsInput) sweepFamilies(w *promWriter) {
	s := in.sum
	w.gauge("ccci_sweep_start_timestamp_seconds", "When the last cc-ci sweep started.", sample{v: unixSeconds(s.Started)})
	w.gauge("ccci_sweep_end_timestamp_seconds", "When the last cc-ci sweep ended.", sample{v: unixSeconds(s.Finished)})
	var status []sample
	for _, st := range sweepStatuses {
		status = append(status, sample{labels: []string{"status", st}, v: bool01(s.Status == st)})
	}
	w.gauge("ccci_sweep_status", "The last sweep's status: 1 for it, 0 for the others.", status...)
	w.gauge("ccci_sweep_last_success_timestamp_seconds", "When a sweep last ended with status ok (0: never).", sample{v: unixSeconds(s.LastOK)})
	if in.known {
		w.gauge("ccci_sweep_enrolled_recipes", "Recipes the last sweep enrolled.", sample{v: float64(len(in.enrolled))})
	}
	counts := map[Verdict]int{}
	for _, o := range s.Outcomes {
		counts[cmp.Or(o.Verdict, Skipped)]++
	}
	var outcomes []sample
	for _, v := range verdictOrder {
		outcomes = append(outcomes, sample{labels: []string{"verdict", string(v)}, v: float64(counts[v])})
	}
	w.gauge("ccci_sweep_outcomes", "The last sweep's recipes by verdict.", outcomes...)
	if in.st != nil {
		w.gauge("ccci_sweep_last_run_timestamp_seconds", "When the newest recipe run the state file records started (0: none).",
			sample{v: unixSeconds(in.st.newestRun())})
	}
	w.gauge("ccci_sweep_low_disk", "1 when the last sweep stopped starting runs for low disk space ([sweep] min_free), else 0.",
		sample{v: bool01(s.LowDisk != nil)})
	if l := s.LowDisk; l != nil {
		w.gauge("ccci_sweep_low_disk_free_bytes", "Free space of the filesystem that stopped the last sweep.",
			sample{labels: []string{"mountpoint", l.Mount}, v: float64(l.Free)})
	}
	w.gauge("ccci_sweep_min_free_bytes", "[sweep] min_free: the free space a run needs on each checked filesystem (0: not checked).",
		sample{v: float64(in.minFree)})
}

func (in *metricsInput) recipeFamilies(w *promWriter) {
	if in.st == nil || len(in.enrolled) == 0 {
		return
	}
	var info, verified, behind, verdict, lastRun, lastDur, failing []sample
	for _, inp := range in.enrolled {
		name := inp.recipe.Name
		rec := in.st.record(name)
		if b, ok := isBehind(inp, rec); ok {
			behind = append(behind, sample{labels: []string{"recipe", name}, v: bool01(b)})
		}
		if rec == nil {
			continue
		}
		if rec.Version != "" {
			info = append(info, sample{labels: []string{"recipe", name, "version", rec.Version, "status", rec.Status}, v: 1})
			if !rec.TS.IsZero() {
				verified = append(verified, sample{labels: []string{"recipe", name}, v: unixSeconds(rec.TS)})
			}
		}
		if l := rec.Last; l != nil {
			verdict = append(verdict, sample{labels: []string{"recipe", name, "verdict", string(l.Verdict)}, v: 1})
			lastRun = append(lastRun, sample{labels: []string{"recipe", name}, v: unixSeconds(l.TS)})
			lastDur = append(lastDur, sample{labels: []string{"recipe", name}, v: time.Duration(l.Duration).Seconds()})
			if l.Verdict.Failed() && !l.FailingSince.IsZero() {
				failing = append(failing, sample{labels: []string{"recipe", name}, v: unixSeconds(l.FailingSince)})
			}
		}
	}
	w.gauge("ccci_recipe_canonical_info", "A recipe's canonical version (the last that passed, or was promoted by hand).", info...)
	w.gauge("ccci_recipe_canonical_timestamp_seconds", "When a recipe's canonical version was verified or promoted; its age is time() minus this.", verified...)
	w.gauge("ccci_recipe_behind", "1 when a recipe's latest release is newer than its canonical version, else 0.", behind...)
	w.gauge("ccci_recipe_last_verdict", "The verdict of a recipe's last run.", verdict...)
	w.gauge("ccci_recipe_last_run_timestamp_seconds", "When a recipe's last run started.", lastRun...)
	w.gauge("ccci_recipe_last_duration_seconds", "How long a recipe's last run took.", lastDur...)
	w.gauge("ccci_recipe_failing_since_timestamp_seconds", "While a recipe's last run failed: when its streak of failures began.", failing...)
}

// isBehind says whether the recipe's latest release is newer than its
// canonical version; ok is false when its tags are unknown or it has no
// release.
func isBehind(inp input, rec *Record) (behind, ok bool) {
	if inp.err != nil {
		return false, false
	}
	latest, found := recipe.Latest(recipe.TagNames(inp.tags))
	if !found {
		return false, false
	}
	if rec == nil || rec.Version == "" {
		return true, true
	}
	canon, err := recipe.Parse(rec.Version)
	return err != nil || recipe.Compare(canon, latest) < 0, true
}

// newestRun is the start of the newest run any record's last result
// holds; zero if none.
func (s *state) newestRun() time.Time {
	var t time.Time
	for _, r := range s.Recipes {
		if r.Last != nil && r.Last.TS.After(t) {
			t = r.Last.TS
		}
	}
	return t
}

// sample is one line of a family: label name/value pairs and a value.
type sample struct {
	labels []string
	v      float64
}

// promWriter writes the text exposition format.
type promWriter struct{ strings.Builder }

// gauge writes one gauge family; a family without samples is left out.
func (w *promWriter) gauge(name, help string, samples ...sample) {
	if len(samples) == 0 {
		return
	}
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n", name, escapeHelp(help), name)
	slices.SortStableFunc(samples, func(a, b sample) int { return slices.Compare(a.labels, b.labels) })
	for _, s := range samples {
		w.WriteString(name)
		for i := 0; i+1 < len(s.labels); i += 2 {
			sep := ","
			if i == 0 {
				sep = "{"
			}
			fmt.Fprintf(w, `%s%s="%s"`, sep, s.labels[i], escapeLabel(s.labels[i+1]))
		}
		if len(s.labels) > 0 {
			w.WriteByte('}')
		}
		w.WriteString(" " + formatValue(s.v) + "\n")
	}
}

var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)

func escapeHelp(s string) string  { return helpEscaper.Replace(s) }
func escapeLabel(s string) string { return labelEscaper.Replace(s) }

func formatValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// unixSeconds is t in Unix seconds (to the millisecond); 0 for the zero time.
func unixSeconds(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixMilli()) / 1000
}

func bool01(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
