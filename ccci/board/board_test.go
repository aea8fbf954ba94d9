package board

import (
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"coopcloud.tech/cc-ci/ccci/sweep"
)

var fixtureOptions = Options{Generated: time.Date(2026, 11, 21, 4, 15, 0, 0, time.UTC), Logs: 2}

func TestGenerateFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "board")
	if err := Generate(dir, fixture(t), fixtureOptions); err != nil {
		t.Fatalf("Generate = %v", err)
	}
	for _, name := range []string{
		"index.html", "style.css", Marker,
		"recipe/gitea.html", "recipe/custom-html.html", "badge/gitea.svg", "badge/nextcloud.svg",
		"logs/gitea/20261120T030012Z-3.6.0+1.24.2.log", "logs/gitea/20261113T030009Z-3.5.3+1.24.2.log",
		"logs/wordpress/20261121T030000Z-2.4.0+6.7.1.log",
	} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("board lacks %s: %v", name, err)
		}
	}
	// Logs: 2, so gitea's third log is not kept, and its row says so.
	if _, err := os.Stat(filepath.Join(dir, "logs/gitea/20261106T030007Z-3.5.3+1.24.2.log")); err == nil {
		t.Errorf("board kept gitea's third log, want only the newest 2")
	}
	page := readFile(t, dir, "recipe/gitea.html")
	if !strings.Contains(page, "not kept") {
		t.Errorf("recipe/gitea.html does not say its oldest log is not kept")
	}
}

func TestGenerateOrderAndEscaping(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "board")
	if err := Generate(dir, fixture(t), fixtureOptions); err != nil {
		t.Fatalf("Generate = %v", err)
	}
	index := readFile(t, dir, "index.html")
	var got []string
	for _, part := range strings.Split(index, `<td class="name" data-label="Recipe"><a href="recipe/`)[1:] {
		got = append(got, part[:strings.Index(part, ".html")])
	}
	want := []string{"broken", "nextcloud", "keycloak", "matrix-synapse", "traefik", "wordpress", "custom-html", "gitea"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("index rows (-want +got):\n%s", diff)
	}
	for _, page := range []string{index, readFile(t, dir, "recipe/nextcloud.html")} {
		if strings.Contains(page, "<script>") || !strings.Contains(page, "&lt;script&gt;") {
			t.Errorf("the note's <script> is not escaped")
		}
	}
}

func TestBadgeIsSVG(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "board")
	if err := Generate(dir, fixture(t), fixtureOptions); err != nil {
		t.Fatalf("Generate = %v", err)
	}
	tests := map[string]string{
		"gitea":       "up-to-date 3.6.0+1.24.2",
		"nextcloud":   "known-failure",
		"traefik":     "new-version 2.1.0+v2.11.0",
		"custom-html": "never-released",
	}
	for name, want := range tests {
		var svg struct {
			Title string   `xml:"title"`
			Texts []string `xml:"g>text"`
		}
		if err := xml.Unmarshal([]byte(readFile(t, dir, "badge/"+name+".svg")), &svg); err != nil {
			t.Errorf("badge/%s.svg is not XML: %v", name, err)
			continue
		}
		if len(svg.Texts) != 2 || svg.Texts[1] != want || svg.Title != "cc-ci: "+want {
			t.Errorf("badge/%s.svg says %q (title %q), want %q", name, svg.Texts, svg.Title, want)
		}
	}
}

func TestGenerateReplacesOnlyBoards(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "board")
	ov := fixture(t)
	if err := Generate(dir, ov, fixtureOptions); err != nil {
		t.Fatalf("Generate = %v", err)
	}
	ov.Recipes = ov.Recipes[:1]
	if err := Generate(dir, ov, fixtureOptions); err != nil {
		t.Fatalf("Generate again = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "recipe/nextcloud.html")); err == nil {
		t.Errorf("the second board still holds recipe/nextcloud.html")
	}
	entries, _ := os.ReadDir(parent)
	if len(entries) != 1 {
		t.Errorf("after two boards %s holds %d entries, want 1 (no temporary directories left)", parent, len(entries))
	}

	other := filepath.Join(parent, "home")
	if err := os.MkdirAll(other, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Generate(other, ov, fixtureOptions)
	if !errors.Is(err, ErrNotBoard) || !strings.Contains(err.Error(), other) {
		t.Errorf("Generate(%s) = %v, want ErrNotBoard naming the directory", other, err)
	}
	if readFile(t, other, "notes.txt") != "mine" {
		t.Errorf("Generate touched a directory that is not a board")
	}
}

func TestGenerateWithoutSweepOrState(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "board")
	ov := &sweep.Overview{Recipes: []sweep.RecipeStatus{{Latest: "3.6.0+1.24.2",
		Decision: sweep.Decision{Recipe: "gitea", Action: sweep.ActionRun, Reason: sweep.NeverVerified}}}}
	if err := Generate(dir, ov, Options{}); err != nil {
		t.Fatalf("Generate(only recipes) = %v", err)
	}
	index := readFile(t, dir, "index.html")
	for _, want := range []string{"Last sweep: unknown", "never-verified", "never run", "<code>unknown</code>"} {
		if !strings.Contains(index, want) {
			t.Errorf("index.html without state or summary lacks %q", want)
		}
	}
}

func readFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestGenerateThroughSymlink(t *testing.T) {
	parent := t.TempDir()
	real, link := filepath.Join(parent, "real"), filepath.Join(parent, "served")
	ov := fixture(t)
	if err := Generate(real, ov, fixtureOptions); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	ov.Recipes = ov.Recipes[:1]
	if err := Generate(link, ov, fixtureOptions); err != nil {
		t.Fatalf("Generate(symlink) = %v", err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("Generate replaced the symlink %s itself", link)
	}
	if _, err := os.Stat(filepath.Join(real, "recipe", "nextcloud.html")); err == nil {
		t.Errorf("the symlink's target still holds the old board")
	}
}

// TestRowSaysEachThingOnce: a run the last sweep made is the recipe's
// last result; its note appears once in the row, not again as "last
// sweep: timeout (...)".
func TestRowSaysEachThingOnce(t *testing.T) {
	note := "timed out; process group stopped"
	dir := t.TempDir()
	ov := &sweep.Overview{
		LastSweep: &sweep.Summary{Status: "failed", Outcomes: []sweep.Outcome{{
			Decision: sweep.Decision{Recipe: "slow", Action: sweep.ActionRun, Reason: sweep.NewVersion, To: "2.0.0+1"},
			Verdict:  sweep.Timeout, Note: note, RunDir: dir}}},
		Recipes: []sweep.RecipeStatus{{Decision: sweep.Decision{Recipe: "slow", Reason: sweep.KnownFailure},
			Runs: []sweep.RunRecord{{Recipe: "slow", To: "2.0.0+1", Verdict: sweep.Timeout, Note: note, Dir: dir}}}},
	}
	board := filepath.Join(t.TempDir(), "board")
	if err := Generate(board, ov, Options{}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(readFile(t, board, "index.html"), note); n != 1 {
		t.Errorf("index.html says %q %d times, want once", note, n)
	}
}
