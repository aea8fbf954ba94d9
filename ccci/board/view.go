package board

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"time"

	"coopcloud.tech/cc-ci/ccci/sweep"
)

// Options change how a board is rendered; the zero value is useful.
type Options struct {
	Generated time.Time // shown in the footer; zero means time.Now()
	Logs      int       // newest logs published per recipe; 0 means DefaultLogs
	LogTail   int       // lines published of each log; 0 means the whole log

	// Redact is applied to every log line and note the board publishes,
	// to mask secret values and host paths; nil publishes text as is.
	Redact func(string) string

	// Problem, when set, is shown as a banner over the index: what keeps
	// the sweep from testing anything (nothing enrolled, say).
	Problem string
}

func (o *Options) redact(s string) string {
	if o.Redact == nil {
		return s
	}
	return o.Redact(s)
}

// DefaultLogs is how many of each recipe's newest logs a board keeps.
const DefaultLogs = 5

// A recipe's status on the board is the reason of the decision the next
// sweep makes for it (sweep.Status), the same word cc-ci-sweep plan and
// status print. statusRank orders the index: needing attention first.
var statusRank = map[sweep.Reason]int{
	sweep.KnownFailure: 0, sweep.Unreadable: 0,
	sweep.NewVersion: 1, sweep.Retagged: 1, sweep.NeverVerified: 1,
	sweep.CanonicalAhead: 2,
	sweep.NeverReleased:  3,
	sweep.NotSelected:    4,
	sweep.UpToDate:       5,
}

// explanations say in one line what each status word means; the index
// shows them as a legend and in each status's title.
var explanations = map[sweep.Reason]string{
	sweep.KnownFailure:   "the latest release tag failed its test; the nightly sweep skips it until a newer tag",
	sweep.Unreadable:     "the recipe's tags could not be read",
	sweep.NewVersion:     "a release newer than the canonical version waits to be tested",
	sweep.Retagged:       "the canonical tag was replaced or moved; the next sweep tests it again",
	sweep.NeverVerified:  "released, but no version has passed yet",
	sweep.CanonicalAhead: "the canonical version is newer than every tag: a tag was deleted?",
	sweep.NeverReleased:  "no release tag yet",
	sweep.NotSelected:    "left out of this view",
	sweep.UpToDate:       "the canonical version is the latest release tag",
}

// row is one recipe on the index, and the body of its own page.
type row struct {
	Name      string
	Status    sweep.Reason // the decision's reason
	Detail    string       // the decision's detail
	Canonical string
	Verified  time.Time
	ByHand    bool // the canonical version was promoted by hand
	Latest    string
	Last      *runView // newest result, nil when none
	SweepNote string   // what the last sweep did with it, e.g. "skipped: up-to-date"
	Runs      []runView
	Flaky     int // runs shown whose verdict is flaky
}

// runView is one run as a table row shows it.
type runView struct {
	Name       string
	Started    time.Time
	From, To   string
	Commit     string
	Verdict    string
	Duration   string
	ExitStatus int
	Promoted   bool
	Note       string
	Log        string            // path of the copied log inside the board, "" when not kept
	logSource  string            // the log file in the run directory
	Err        string            // result.json unreadable
	Tries      []tryView         // each try, when the run was tried again
	Build      *sweep.DroneBuild // the Drone build that ran it, if any
}

// tryView is one try of a run that was tried again.
type tryView struct {
	N         int
	Verdict   string
	Log       string // path of the copied log inside the board, "" when not kept
	logSource string
}

// rows builds and sorts the index: needing attention first, then by name.
func rows(ov *sweep.Overview, o *Options) []*row {
	out := make([]*row, 0, len(ov.Recipes))
	for _, r := range ov.Recipes {
		out = append(out, newRow(ov, r, o))
	}
	slices.SortFunc(out, func(a, b *row) int {
		return cmp.Or(cmp.Compare(statusRank[a.Status], statusRank[b.Status]), cmp.Compare(a.Name, b.Name))
	})
	return out
}

func newRow(ov *sweep.Overview, r sweep.RecipeStatus, o *Options) *row {
	w := &row{Name: r.Recipe, Status: r.Reason, Detail: o.redact(r.Detail), Latest: r.Latest}
	if c := r.Canonical; c != nil {
		w.Canonical, w.Verified, w.ByHand = c.Version, c.TS, c.Status == sweep.StatusByHand
	}
	for i, run := range r.Runs {
		v := newRunView(r.Recipe, run, o)
		if i >= o.Logs { // only the newest logs are published
			v.Log = ""
			for j := range v.Tries {
				v.Tries[j].Log = ""
			}
		}
		if v.Verdict == string(sweep.Flaky) {
			w.Flaky++
		}
		w.Runs = append(w.Runs, v)
	}
	switch {
	case len(w.Runs) > 0:
		w.Last = &w.Runs[0]
	case r.Canonical != nil && r.Canonical.Last != nil:
		l := r.Canonical.Last
		w.Last = &runView{To: l.Version, Verdict: string(l.Verdict), Started: l.TS, Duration: duration(l.Duration)}
	}
	w.SweepNote = o.redact(sweepNote(ov.LastSweep, r.Recipe))
	return w
}

func newRunView(recipe string, run sweep.RunRecord, o *Options) runView {
	v := runView{Name: filepath.Base(run.Dir), Started: run.Started, From: run.From, To: run.To, Commit: run.Commit,
		Verdict: string(run.Verdict), Duration: duration(run.Duration), ExitStatus: run.ExitStatus,
		Promoted: run.Promoted, Note: o.redact(run.Note), Build: run.Drone}
	if v.logSource = run.LogPath(); v.logSource != "" {
		v.Log = logName(recipe, v.Name)
	}
	for _, a := range run.Tries {
		t := tryView{N: a.Try, Verdict: string(a.Verdict)}
		if src := filepath.Join(run.Dir, filepath.Base(a.Log)); fileExists(src) {
			t.logSource, t.Log = src, logName(recipe, fmt.Sprintf("%s.try%d", v.Name, a.Try))
		}
		v.Tries = append(v.Tries, t)
	}
	switch {
	case errors.Is(run.Err, fs.ErrNotExist):
		v.Verdict, v.Err = "unfinished", "no result.json: still running, or the sweep was stopped"
	case run.Err != nil:
		v.Verdict, v.Err = "unreadable", o.redact(run.Err.Error())
	}
	return v
}

func fileExists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// logName is where a run's log is copied inside the board.
func logName(recipe, run string) string { return path.Join("logs", recipe, run+".log") }

func duration(d sweep.Duration) string {
	if d <= 0 {
		return ""
	}
	return time.Duration(d).Round(time.Second).String()
}

// sweepNote says what the last sweep did with a recipe it did not run:
// a run it did start is the recipe's last result already, and a recipe a
// sweep limited with -only left out keeps what it had.
func sweepNote(s *sweep.Summary, name string) string {
	if s == nil {
		return ""
	}
	for _, o := range s.Outcomes {
		if o.Recipe != name || o.RunDir != "" || o.Reason == sweep.NotSelected {
			continue
		}
		note := string(o.Verdict)
		if o.Verdict == sweep.Skipped || o.Verdict == "" {
			note = "skipped: " + string(o.Reason)
		}
		if o.Note != "" {
			note += " (" + o.Note + ")"
		}
		return note
	}
	return ""
}

// class is the CSS class repeating a verdict or status in colour.
func class(word any) string {
	switch fmt.Sprint(word) {
	case "pass", "ok", string(sweep.UpToDate):
		return "good"
	case "fail", "timeout", "error", "unreadable", "failed", string(sweep.KnownFailure):
		return "bad"
	case "flaky", "interrupted", "deferred", "unfinished", string(sweep.NewVersion), string(sweep.Retagged),
		string(sweep.NeverVerified), string(sweep.CanonicalAhead):
		return "warn"
	}
	return "neutral"
}
