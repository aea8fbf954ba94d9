package board

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"time"

	"coopcloud.tech/cc-ci/ccci/sweep"
)

//go:embed templates
var files embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"class":     verdictClass,
	"attention": needsAttention,
	"when":      when,
	"iso":       func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"short":     func(s string) string { return s[:min(len(s), 10)] },
}).ParseFS(files, "templates/*.html", "templates/*.svg"))

// needsAttention: failing, behind, unverified or unknown recipes stand out.
func needsAttention(status string) bool { return statusRank[status] <= statusRank[statusUnknown] }

// when formats a time for people: UTC, to the minute.
func when(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// indexPage is what index.html shows.
type indexPage struct {
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
	Status string // failing, behind, unverified, unknown, ahead, unreleased, ok
	N      int
}

// Statuses counts the recipes of in by the status the board gives them,
// worst first, leaving out statuses no recipe has.
func Statuses(in *Input) []StatusCount { return countStatuses(rows(in)) }

func countStatuses(rs []*row) []StatusCount {
	n := map[string]int{}
	for _, r := range rs {
		n[r.Status]++
	}
	var out []StatusCount
	for _, s := range statuses {
		if n[s] > 0 {
			out = append(out, StatusCount{s, n[s]})
		}
	}
	return out
}

func newIndexPage(in *Input, rs []*row) *indexPage {
	p := &indexPage{Rows: rs, Sweep: in.LastSweep, Fingerprint: in.Fingerprint, Generated: in.Generated}
	p.Counts = countStatuses(rs)
	if s := in.LastSweep; s != nil {
		if !s.Finished.IsZero() && s.Finished.After(s.Started) {
			p.SweepTook = s.Finished.Sub(s.Started).Round(time.Second).String()
		}
		p.SweepCounts = sweep.CountVerdicts(s.Outcomes)
		p.FingerprintChanged = s.Fingerprint != "" && in.Fingerprint != "" && s.Fingerprint != in.Fingerprint
	}
	return p
}

// recipePage is what recipe/<name>.html shows.
type recipePage struct {
	Row       *row
	Generated time.Time
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
	text := r.Status
	if r.Canonical != "" && r.Status != statusFailing {
		text += " " + r.Canonical
	}
	// Verdana 11px averages about 6.5px a character; the badge only
	// needs to be roughly right, never to clip.
	left, right := 6+5*13/2+6, 8+len(text)*13/2+8
	return badge{
		Text: text, Colour: badgeColours[verdictClass(r.Status)],
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
