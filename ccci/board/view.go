package board

import (
	"cmp"
	"errors"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"coopcloud.tech/cc-ci/ccci/recipe"
	"coopcloud.tech/cc-ci/ccci/sweep"
)

// Recipe is one enrolled recipe as the board shows it.
type Recipe struct {
	Name   string // validated recipe name
	Latest string // newest release tag, "" when the recipe has none
	Err    string // why its tags could not be read; the status is then "unknown"
}

// Input is everything a board shows. Only Recipes is required; the zero
// value of every other field renders as "unknown".
type Input struct {
	Recipes     []Recipe         // the enrolled recipes
	State       *sweep.State     // canonical records and last results
	Runs        map[string][]Run // per recipe, newest first (ReadRuns)
	LastSweep   *sweep.Summary   // the last sweep's summary, nil when unknown
	Fingerprint string           // the environment's fingerprint now
	Generated   time.Time        // shown in the footer; zero means time.Now()
	Logs        int              // newest logs copied per recipe; 0 means DefaultLogs
}

// DefaultLogs is how many of each recipe's newest logs a board keeps.
const DefaultLogs = 5

// statuses are the recipe statuses, worst first: the index sorts by them.
var statuses = []string{statusFailing, statusBehind, statusUnverified, statusUnknown, statusAhead, statusUnreleased, statusOK}

// Recipe statuses.
const (
	statusFailing    = "failing"    // the last run did not pass
	statusBehind     = "behind"     // a newer release tag than the canonical version
	statusUnverified = "unverified" // released, never passed
	statusUnknown    = "unknown"    // its tags could not be read
	statusAhead      = "ahead"      // canonical newer than every tag (a tag was deleted?)
	statusUnreleased = "unreleased" // no release tag at all
	statusOK         = "ok"         // canonical is the latest tag
)

var statusRank = map[string]int{
	statusFailing: 0, statusBehind: 1, statusUnverified: 1, statusUnknown: 2, statusAhead: 3, statusUnreleased: 4, statusOK: 5,
}

// row is one recipe on the index, and the body of its own page.
type row struct {
	Name      string
	Canonical string
	Verified  time.Time
	Latest    string
	Status    string
	Last      *runView // newest result, nil when none
	SweepNote string   // what the last sweep did with it, e.g. "skipped: up-to-date"
	TagsErr   string   // why its tags could not be read
	Runs      []runView
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
	Log        string // path of the copied log inside the board, "" when not kept
	Err        string // result.json unreadable
}

// rows builds and sorts the index: needing attention first, then by name.
func rows(in *Input) []*row {
	var out []*row
	for _, r := range in.Recipes {
		out = append(out, newRow(in, r))
	}
	slices.SortFunc(out, func(a, b *row) int {
		return cmp.Or(cmp.Compare(statusRank[a.Status], statusRank[b.Status]), cmp.Compare(a.Name, b.Name))
	})
	return out
}

func newRow(in *Input, r Recipe) *row {
	w := &row{Name: r.Name, Latest: r.Latest, TagsErr: r.Err}
	var rec *sweep.Record
	if in.State != nil {
		rec = in.State.Recipes[r.Name]
	}
	if rec != nil {
		w.Canonical, w.Verified = rec.Version, rec.TS
	}
	for i, run := range in.Runs[r.Name] {
		v := newRunView(r.Name, run)
		if i >= in.Logs {
			v.Log = "" // only the newest logs are copied
		}
		w.Runs = append(w.Runs, v)
	}
	switch {
	case len(w.Runs) > 0:
		w.Last = &w.Runs[0]
	case rec != nil && rec.Last != nil:
		w.Last = &runView{To: rec.Last.Version, Verdict: string(rec.Last.Verdict), Started: rec.Last.TS, Duration: duration(rec.Last.Duration)}
	}
	w.SweepNote = sweepNote(in.LastSweep, r.Name)
	w.Status = status(w)
	return w
}

func newRunView(name string, run Run) runView {
	v := runView{Name: run.Name}
	if run.LogPath() != "" {
		v.Log = logName(name, run.Name)
	}
	if run.Err != nil {
		v.Started, v.To = fromRunName(run.Name)
	}
	if errors.Is(run.Err, fs.ErrNotExist) {
		v.Verdict, v.Err = "unfinished", "no "+resultFile+": still running, or the sweep was stopped"
		return v
	}
	if run.Err != nil {
		v.Verdict, v.Err = "unreadable", run.Err.Error()
		return v
	}
	res := run.Result
	v.Started, v.From, v.To, v.Commit = res.Started, res.From, res.To, res.Commit
	v.Verdict, v.Duration, v.ExitStatus = string(res.Verdict), duration(res.Duration), res.ExitStatus
	v.Promoted, v.Note = res.Promoted, res.Note
	return v
}

// fromRunName recovers the start time and tag from a run directory's
// name, <20060102T150405Z>-<tag>[-N], for runs without a readable result.
func fromRunName(name string) (time.Time, string) {
	stamp, tag, ok := strings.Cut(name, "-")
	t, err := time.Parse(sweep.RunDirLayout, stamp)
	if !ok || err != nil {
		return time.Time{}, ""
	}
	if i := strings.LastIndexByte(tag, '-'); i > 0 && strings.Contains(tag[:i], "+") && isDigits(tag[i+1:]) {
		tag = tag[:i] // "-2": a second run started in the same second
	}
	return t, tag
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// logName is where a run's log is copied inside the board.
func logName(recipe, run string) string { return path.Join("logs", recipe, run+".log") }

func duration(d sweep.Duration) string {
	if d <= 0 {
		return ""
	}
	return time.Duration(d).Round(time.Second).String()
}

// status is the one word saying whether a recipe needs attention.
func status(w *row) string {
	switch {
	case w.Last != nil && bad(w.Last.Verdict):
		return statusFailing
	case w.TagsErr != "":
		return statusUnknown
	case w.Latest == "":
		return statusUnreleased
	case w.Canonical == "":
		return statusUnverified
	case w.Canonical == w.Latest:
		return statusOK
	}
	c, err1 := recipe.Parse(w.Canonical)
	l, err2 := recipe.Parse(w.Latest)
	if err1 == nil && err2 == nil && recipe.Compare(c, l) > 0 {
		return statusAhead
	}
	return statusBehind
}

// bad reports whether a verdict means the recipe needs a look.
func bad(verdict string) bool {
	return sweep.Verdict(verdict).Failed() || verdict == "unreadable"
}

// sweepNote says what the last sweep did with the recipe.
func sweepNote(s *sweep.Summary, name string) string {
	if s == nil {
		return ""
	}
	for _, o := range s.Outcomes {
		if o.Recipe != name {
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

// verdictClass is the CSS class repeating a verdict or status in colour.
func verdictClass(word string) string {
	switch word {
	case "pass", statusOK: // statusOK is also the sweep's "ok"
		return "good"
	case "fail", "timeout", "error", "unreadable", statusFailing, "failed":
		return "bad"
	case "interrupted", "deferred", "unfinished", statusUnknown, statusBehind, statusUnverified, statusAhead:
		return "warn"
	}
	return "neutral"
}
