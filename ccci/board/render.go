package board

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"time"

	"coopcloud.tech/cc-ci/ccci/sweep"
	"coopcloud.tech/cc-ci/internal/bytesize"
)

//go:embed templates
var files embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"class":     class,
	"attention": needsAttention,
	"explain":   func(r sweep.Reason) string { return explanations[r] },
	"when":      when,
	"iso":       func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"short":     func(s string) string { return s[:min(len(s), 10)] },
	"bytes":     bytesize.Format,
}).ParseFS(files, "templates/*.html", "templates/*.svg"))

// needsAttention: known failures, unreadable recipes and untested
// releases stand out.
func needsAttention(status sweep.Reason) bool {
	return statusRank[status] <= statusRank[sweep.NewVersion]
}

// when formats a time for people: UTC, to the minute.
func when(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// indexPage is what index.html shows.
type indexPage struct {
	Problem            string // a banner: what keeps the sweep from testing
	Rows               []*row
	Counts             []StatusCount
	Sweep              *sweep.Summary
	SweepTook          string
	SweepCounts        string
	Fingerprint        string
	FingerprintChanged bool
	Generated          time.Time
}

// StatusCount is how many recipes have one status.
type StatusCount struct {
	Status  sweep.Reason // the decision's reason: new-version, up-to-date, ...
	N       int
	Explain string // what the word means
}

// Statuses counts the recipes of ov by the status the board gives them,
// needing attention first, leaving out statuses no recipe has.
func Statuses(ov *sweep.Overview) []StatusCount { return countStatuses(rows(ov, &Options{})) }

func countStatuses(rs []*row) []StatusCount {
	n := map[sweep.Reason]int{}
	var order []sweep.Reason
	for _, r := range rs { // rows are sorted by status rank
		if n[r.Status] == 0 {
			order = append(order, r.Status)
		}
		n[r.Status]++
	}
	out := make([]StatusCount, len(order))
	for i, s := range order {
		out[i] = StatusCount{Status: s, N: n[s], Explain: explanations[s]}
	}
	return out
}

func newIndexPage(ov *sweep.Overview, rs []*row, o *Options) *indexPage {
	p := &indexPage{Rows: rs, Sweep: ov.LastSweep, Fingerprint: ov.Fingerprint, Generated: o.Generated,
		Problem: o.redact(o.Problem)}
	p.Counts = countStatuses(rs)
	if s := ov.LastSweep; s != nil {
		if s.Status == "error" && p.Problem == "" {
			// Host or config trouble, not a recipe's: the recipes keep
			// their last real results, the banner says what stopped it.
			p.Problem = "The last sweep stopped before testing anything: " + o.redact(s.Error)
		}
		if !s.Finished.IsZero() && s.Finished.After(s.Started) {
			p.SweepTook = s.Finished.Sub(s.Started).Round(time.Second).String()
		}
		p.SweepCounts = s.VerdictCounts()
		p.FingerprintChanged = s.Fingerprint != "" && ov.Fingerprint != "" && s.Fingerprint != ov.Fingerprint
	}
	return p
}

// recipePage is what recipe/<name>.html shows.
type recipePage struct {
	Row       *row
	Generated time.Time
	Explain   string // what the recipe's status word means
}

// badge is badge/<name>.svg: "cc-ci | <status> <version>".
type badge struct {
	Text                  string
	Colour                string
	Width                 int
	LeftWidth, RightWidth int
	LeftMid, RightMid     int
}

var badgeColours = map[string]string{"good": "#1a7f37", "bad": "#c62828", "warn": "#9a6700", "neutral": "#57606a"}

func newBadge(r *row) badge {
	text := string(r.Status)
	if r.Canonical != "" && r.Status != sweep.KnownFailure {
		text += " " + r.Canonical
	}
	// Verdana 11px averages about 6.5px a character; the badge only
	// needs to be roughly right, never to clip.
	left, right := 6+5*13/2+6, 8+len(text)*13/2+8
	return badge{
		Text: text, Colour: badgeColours[class(r.Status)],
		Width: left + right, LeftWidth: left, RightWidth: right,
		LeftMid: left / 2, RightMid: left + right/2,
	}
}

// render executes one template into a buffer.
func render(name string, data any) ([]byte, error) {
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, name, data); err != nil {
		return nil, fmt.Errorf("rendering %s: %w", name, err)
	}
	return b.Bytes(), nil
}
