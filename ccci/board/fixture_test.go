package board

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"coopcloud.tech/cc-ci/ccci/sweep"
)

// fixtureRecipes are the enrolled recipes of testdata: the decision a
// nightly plan makes for each (from testdata/state.json and their tags),
// and their latest release tags.
var fixtureRecipes = []struct {
	name   string
	reason sweep.Reason
	latest string
	detail string
}{
	{"gitea", sweep.UpToDate, "3.6.0+1.24.2", "canonical 3.6.0+1.24.2 is the latest tag"},
	{"nextcloud", sweep.KnownFailure, "6.0.1+28.0.2-fpm", "latest tag 6.0.1+28.0.2-fpm already failed (fail, 2026-11-20 03:22Z), nothing newer <script>alert(1)</script>"},
	{"keycloak", sweep.NewVersion, "10.1.0+26.0.5", "canonical 10.0.0+26.0.0 < latest tag 10.1.0+26.0.5"},
	{"traefik", sweep.NewVersion, "3.0.0+v3.0.0", "canonical 2.1.0+v2.11.0 < latest tag 3.0.0+v3.0.0"},
	{"matrix-synapse", sweep.NeverVerified, "1.2.0+v1.98.0", "no canonical version; latest tag 1.2.0+v1.98.0"},
	{"wordpress", sweep.NewVersion, "2.4.0+6.7.1", "canonical 2.3.1+6.6.2 < latest tag 2.4.0+6.7.1"},
	{"custom-html", sweep.NeverReleased, "", "no release tags among 0 tags"},
	{"broken", sweep.Unreadable, "", "reading tags: repository does not exist"},
}

const fixtureFingerprint = "e1:q5Hk2u0P3xVw9sQmYQ6oC0bq8m1n2b3v4c5x6z7a8s9="

// fixture is what sweep.Status returns for testdata, read here without a
// sweep: the state file's records, every run directory and the last
// sweep's summary.
func fixture(t testing.TB) *sweep.Overview {
	t.Helper()
	var st struct{ Recipes map[string]*sweep.Record }
	readJSON(t, "testdata/state.json", &st)
	ov := &sweep.Overview{Fingerprint: fixtureFingerprint, LastSweep: &sweep.Summary{}}
	readJSON(t, "testdata/runs/last-sweep.json", ov.LastSweep)
	for _, r := range fixtureRecipes {
		rs := sweep.RecipeStatus{Latest: r.latest, Canonical: st.Recipes[r.name],
			Decision: sweep.Decision{Recipe: r.name, Reason: r.reason, Detail: r.detail, To: r.latest}}
		rs.Runs = fixtureRuns(t, "testdata/runs", r.name)
		ov.Recipes = append(ov.Recipes, rs)
	}
	return ov
}

// fixtureRuns reads the run directories of recipe, newest first, as
// sweep.Status does: a result.json that is missing or does not parse
// leaves Err set.
func fixtureRuns(t testing.TB, runs, recipe string) []sweep.RunRecord {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join(runs, recipe, "*"))
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	var out []sweep.RunRecord
	for _, dir := range dirs {
		r := sweep.RunRecord{Recipe: recipe}
		b, err := os.ReadFile(filepath.Join(dir, "result.json"))
		if err == nil {
			err = json.Unmarshal(b, &r)
		}
		if err != nil { // what the directory's name says: <started>-<tag>
			r = sweep.RunRecord{Recipe: recipe, Err: fmt.Errorf("reading result: %w", err), ExitStatus: -1}
			stamp, tag, _ := strings.Cut(filepath.Base(dir), "-")
			r.Started, _ = time.Parse("20060102T150405Z", stamp)
			r.To = tag
		}
		r.Dir = dir
		out = append(out, r)
	}
	return out
}

func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		t.Fatal(err)
	}
}
