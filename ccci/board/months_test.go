package board

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"coopcloud.tech/cc-ci/ccci/sweep"
)

// monthsOverview is a board for running for months: a recipe flaky in 2
// of its last 3 runs (the newest one with each try's log on disk, run as
// a Drone build) and a last sweep deferred for low disk space.
func monthsOverview(t *testing.T) *sweep.Overview {
	t.Helper()
	runs := t.TempDir()
	at := func(day int) time.Time { return time.Date(2026, 11, day, 3, 0, 0, 0, time.UTC) }
	mkrun := func(name string, v sweep.Verdict, day int, logs map[string]string, tries []sweep.Attempt) sweep.RunRecord {
		dir := filepath.Join(runs, "flappy", name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for n, text := range logs {
			if err := os.WriteFile(filepath.Join(dir, n), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		log := "log"
		if len(tries) > 0 {
			log = tries[len(tries)-1].Log
		}
		return sweep.RunRecord{Recipe: "flappy", To: "1.1.0+1", Verdict: v, Started: at(day), Dir: dir, Log: log, Tries: tries, Promoted: v.Passed()}
	}
	newest := mkrun("20261121T030000Z-1.1.0+1", sweep.Flaky, 21, map[string]string{"log": "try one failed\n", "log-2": "try two passed\n"},
		[]sweep.Attempt{{Try: 1, Verdict: sweep.Fail, ExitStatus: 1, Log: "log"}, {Try: 2, Verdict: sweep.Pass, Log: "log-2"}})
	newest.Drone = &sweep.DroneBuild{Number: 42, Link: "https://drone.example.org/coop-cloud/cc-ci/42"}
	return &sweep.Overview{
		LastSweep: &sweep.Summary{Status: "deferred", Started: at(21), Finished: at(21).Add(time.Minute),
			Outcomes: []sweep.Outcome{{Decision: sweep.Decision{Recipe: "flappy"}, Verdict: sweep.Flaky, Promoted: true}},
			Error:    "low disk space: ...",
			LowDisk:  &sweep.LowDisk{Path: "/srv/cc-ci/runs", Mount: "/srv", Free: 1 << 30, Need: 5 << 30}},
		Recipes: []sweep.RecipeStatus{{
			Decision:  sweep.Decision{Recipe: "flappy", Reason: sweep.UpToDate},
			Latest:    "1.1.0+1",
			Canonical: &sweep.Record{Version: "1.1.0+1", Status: sweep.StatusPass, TS: at(21)},
			Runs: []sweep.RunRecord{
				newest,
				mkrun("20261114T030000Z-1.1.0+1", sweep.Pass, 14, map[string]string{"log": "ok\n"}, nil),
				mkrun("20261107T030000Z-1.1.0+1", sweep.Flaky, 7, map[string]string{"log-3": "third\n"},
					[]sweep.Attempt{{Try: 1, Verdict: sweep.Timeout, Log: "log"}, {Try: 2, Verdict: sweep.Fail, Log: "log-2"}, {Try: 3, Verdict: sweep.Pass, Log: "log-3"}}),
			},
		}},
	}
}

// TestGenerateFlakyAndLowDisk: flaky is a word on the index and the
// recipe's page, the page counts the flaky runs and links each try's log
// (copied into the board) and the Drone build, and the header names the
// low-disk deferral.
func TestGenerateFlakyAndLowDisk(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "board")
	if err := Generate(dir, monthsOverview(t), Options{Generated: time.Date(2026, 11, 21, 4, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	index := readFile(t, dir, "index.html")
	for _, want := range []string{
		`<td data-label="Last result"><span class="v warn">flaky</span>`,
		`<span class="v warn">deferred</span> Low disk space: the filesystem at <code>/srv</code> had 1 GiB free, 5 GiB needed ([sweep] min_free).`,
	} {
		if !strings.Contains(index, want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
	page := readFile(t, dir, "recipe/flappy.html")
	for _, want := range []string{
		"Flaky in 2 of its last 3 runs",
		`try 1: fail (<a href="../logs/flappy/20261121T030000Z-1.1.0&#43;1.try1.log">log</a>)`,
		`try 2: pass (<a href="../logs/flappy/20261121T030000Z-1.1.0&#43;1.try2.log">log</a>)`,
		`try 1: timeout</span>`, // its log is gone: no link
		`<a class="small" href="https://drone.example.org/coop-cloud/cc-ci/42">Drone #42</a>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("recipe/flappy.html lacks %s in\n%s", want, page)
		}
	}
	for name, want := range map[string]string{
		"20261121T030000Z-1.1.0+1.try1.log": "try one failed\n",
		"20261121T030000Z-1.1.0+1.try2.log": "try two passed\n",
		"20261121T030000Z-1.1.0+1.log":      "try two passed\n", // the run's log is its last try's
	} {
		if got := readFile(t, dir, filepath.Join("logs", "flappy", name)); got != want {
			t.Errorf("logs/flappy/%s = %q, want %q", name, got, want)
		}
	}
}

// TestBrowserFlakyAndLowDisk: the same, as a browser shows it.
func TestBrowserFlakyAndLowDisk(t *testing.T) {
	t.Parallel()
	browser := chromium(t)
	dir := filepath.Join(t.TempDir(), "board")
	if err := Generate(dir, monthsOverview(t), Options{}); err != nil {
		t.Fatal(err)
	}
	index := filepath.Join(dir, "index.html")
	dom := string(browse(t, browser, "--dump-dom", "file://"+index))
	text := strings.Join(strings.Fields(tagRE.ReplaceAllString(dom, " ")), " ")
	for _, want := range []string{"flappy up-to-date", "flaky 1.1.0+1", "deferred Low disk space: the filesystem at /srv had 1 GiB free, 5 GiB needed"} {
		if !strings.Contains(text, want) {
			t.Errorf("index.html in the browser lacks %q:\n%s", want, text)
		}
	}
	page := filepath.Join(dir, "recipe", "flappy.html")
	pdom := string(browse(t, browser, "--dump-dom", "file://"+page))
	checkLinks(t, page, pdom)
	ptext := strings.Join(strings.Fields(tagRE.ReplaceAllString(pdom, " ")), " ")
	for _, want := range []string{"Flaky in 2 of its last 3 runs", "try 1: fail ( log )", "try 2: pass ( log )", "log Drone #42"} {
		if !strings.Contains(ptext, want) {
			t.Errorf("recipe/flappy.html in the browser lacks %q:\n%s", want, ptext)
		}
	}
}
