package board

import (
	"encoding/xml"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"coopcloud.tech/cc-ci/ccci/sweep"
)

// fixtureRecipes are the enrolled recipes of testdata, with their latest tags.
var fixtureRecipes = []Recipe{
	{Name: "gitea", Latest: "3.6.0+1.24.2"},
	{Name: "nextcloud", Latest: "6.0.1+28.0.2-fpm"},
	{Name: "keycloak", Latest: "10.1.0+26.0.5"},
	{Name: "traefik", Latest: "3.0.0+v3.0.0"},
	{Name: "matrix-synapse", Latest: "1.2.0+v1.98.0"},
	{Name: "wordpress", Latest: "2.4.0+6.7.1"},
	{Name: "custom-html", Latest: ""},
	{Name: "broken", Err: "reading tags: repository does not exist"},
}

const fixtureFingerprint = "e1:q5Hk2u0P3xVw9sQmYQ6oC0bq8m1n2b3v4c5x6z7a8s9="

// fixtureInput reads testdata the way cc-ci-sweep report does.
func fixtureInput(t *testing.T) Input {
	t.Helper()
	st, err := sweep.ReadState("testdata/state.json")
	if err != nil {
		t.Fatal(err)
	}
	last, err := ReadLastSweep("testdata/runs")
	if err != nil {
		t.Fatal(err)
	}
	in := Input{
		Recipes: fixtureRecipes, State: st, LastSweep: last, Runs: map[string][]Run{},
		Fingerprint: fixtureFingerprint, Generated: time.Date(2026, 11, 21, 4, 15, 0, 0, time.UTC), Logs: 2,
	}
	for _, r := range fixtureRecipes {
		runs, err := ReadRuns("testdata/runs", r.Name, 30)
		if err != nil {
			t.Fatal(err)
		}
		in.Runs[r.Name] = runs
	}
	return in
}

func TestReadRuns(t *testing.T) {
	tests := []struct {
		recipe string
		limit  int
		want   []string // run name: verdict duration, or the error
	}{
		{"gitea", 0, []string{
			"20261120T030012Z-3.6.0+1.24.2: pass 4m12s",
			"20261113T030009Z-3.5.3+1.24.2: pass 3m58s",
			"20261106T030007Z-3.5.3+1.24.2: fail 2m1s",
		}},
		{"gitea", 1, []string{"20261120T030012Z-3.6.0+1.24.2: pass 4m12s"}},
		{"wordpress", 30, []string{
			"20261121T030000Z-2.4.0+6.7.1: missing",
			"20261114T030000Z-2.3.1+6.6.2: pass 5m5s",
		}},
		{"keycloak", 30, []string{
			"20261120T032001Z-10.1.0+26.0.5: timeout 1h0m0s",
			"20261113T032001Z-10.1.0+26.0.5: unreadable",
		}},
		{"never-ran", 30, nil},
	}
	for _, tt := range tests {
		runs, err := ReadRuns("testdata/runs", tt.recipe, tt.limit)
		if err != nil {
			t.Fatalf("ReadRuns(%q, %d) = %v", tt.recipe, tt.limit, err)
		}
		var got []string
		for _, r := range runs {
			switch {
			case errors.Is(r.Err, fs.ErrNotExist):
				got = append(got, r.Name+": missing")
			case r.Err != nil:
				got = append(got, r.Name+": unreadable")
			default:
				got = append(got, r.Name+": "+string(r.Result.Verdict)+" "+r.Result.Duration.String())
			}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ReadRuns(%q, %d) (-want +got):\n%s", tt.recipe, tt.limit, diff)
		}
	}
}

func TestReadLastSweepAbsent(t *testing.T) {
	s, err := ReadLastSweep(t.TempDir())
	if s != nil || err != nil {
		t.Errorf("ReadLastSweep(empty dir) = %v, %v, want nil, nil", s, err)
	}
}

func TestGenerateFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "board")
	if err := Generate(dir, fixtureInput(t)); err != nil {
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
	if err := Generate(dir, fixtureInput(t)); err != nil {
		t.Fatalf("Generate = %v", err)
	}
	index := readFile(t, dir, "index.html")
	var got []string
	for _, part := range strings.Split(index, `<td class="name" data-label="Recipe"><a href="recipe/`)[1:] {
		got = append(got, part[:strings.Index(part, ".html")])
	}
	want := []string{"keycloak", "nextcloud", "matrix-synapse", "traefik", "wordpress", "broken", "custom-html", "gitea"}
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
	if err := Generate(dir, fixtureInput(t)); err != nil {
		t.Fatalf("Generate = %v", err)
	}
	tests := map[string]string{
		"gitea":       "ok 3.6.0+1.24.2",
		"nextcloud":   "failing",
		"traefik":     "behind 2.1.0+v2.11.0",
		"custom-html": "unreleased",
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
	in := fixtureInput(t)
	if err := Generate(dir, in); err != nil {
		t.Fatalf("Generate = %v", err)
	}
	in.Recipes = in.Recipes[:1]
	if err := Generate(dir, in); err != nil {
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
	err := Generate(other, in)
	if !errors.Is(err, ErrNotBoard) || !strings.Contains(err.Error(), other) {
		t.Errorf("Generate(%s) = %v, want ErrNotBoard naming the directory", other, err)
	}
	if readFile(t, other, "notes.txt") != "mine" {
		t.Errorf("Generate touched a directory that is not a board")
	}
}

func TestGenerateWithoutSweepOrState(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "board")
	in := Input{Recipes: []Recipe{{Name: "gitea", Latest: "3.6.0+1.24.2"}}}
	if err := Generate(dir, in); err != nil {
		t.Fatalf("Generate(only recipes) = %v", err)
	}
	index := readFile(t, dir, "index.html")
	for _, want := range []string{"Last sweep: unknown", "unverified", "never run", "<code>unknown</code>"} {
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
	in := fixtureInput(t)
	if err := Generate(real, in); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	in.Recipes = in.Recipes[:1]
	if err := Generate(link, in); err != nil {
		t.Fatalf("Generate(symlink) = %v", err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("Generate replaced the symlink %s itself", link)
	}
	if _, err := os.Stat(filepath.Join(real, "recipe", "nextcloud.html")); err == nil {
		t.Errorf("the symlink's target still holds the old board")
	}
}
