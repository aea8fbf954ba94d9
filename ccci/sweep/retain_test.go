package sweep

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// retainRun makes one run directory of recipe under runs, started days
// after 2026-11-01, with a log and, unless verdict is "", result.json.
// An old one has its times set a day back.
func retainRun(t *testing.T, runs, recipe string, days int, to, commit string, v Verdict, old bool) string {
	t.Helper()
	started := time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC).AddDate(0, 0, days)
	dir, err := makeRunDir(runs, recipe, to, started)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, logFile), []byte("log\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if v != "" {
		r := &RunRecord{Recipe: recipe, To: to, Commit: commit, Verdict: v, Started: started, Log: logFile, Dir: dir}
		if err := writeResult(r); err != nil {
			t.Fatal(err)
		}
	}
	if old {
		day := time.Now().Add(-24 * time.Hour)
		for _, p := range []string{filepath.Join(dir, logFile), dir} {
			if err := os.Chtimes(p, day, day); err != nil {
				t.Fatal(err)
			}
		}
	}
	return filepath.Base(dir)
}

// TestRetainPolicy: keep the newest 3; of the older ones keep the run
// backing the canonical version (its version and commit), the newest
// failing run and an unfinished run that changed recently; remove the
// rest, and what an interrupted removal left.
func TestRetainPolicy(t *testing.T) {
	runs := t.TempDir()
	const c, d = "cccccccccccccccccccccccccccccccccccccccc", "dddddddddddddddddddddddddddddddddddddddd"
	type run struct {
		to, commit string
		v          Verdict
		old, kept  bool
	}
	app := []run{ // oldest first
		{"1.0.0+1", c, Pass, true, false},
		{"1.1.0+1", c, Pass, true, true},         // backs the canonical version
		{"1.1.0+1", d, Pass, true, false},        // the canonical version at another commit, newer
		{"1.2.0+1", c, Fail, true, false},        // an older failure
		{"1.2.1+1", c, "", false, true},          // unfinished, changed just now
		{"1.2.1+1", c, Timeout, true, true},      // the newest failing run
		{"1.3.0+1", c, "", true, false},          // unfinished a day ago: nobody writes it
		{"1.3.0+1", c, Interrupted, true, false}, // beyond keep
		{"1.3.0+1", c, Flaky, true, true},        // the newest three
		{"1.3.0+1", c, Pass, true, true},
		{"1.3.0+1", c, Pass, true, true},
	}
	var want, all []string
	for i, r := range app {
		name := retainRun(t, runs, "app", i, r.to, r.commit, r.v, r.old)
		all = append(all, name)
		if r.kept {
			want = append(want, name)
		}
	}
	for i := range 2 {
		retainRun(t, runs, "few", i, "1.0.0+1", c, Fail, true)
	}
	leftover := filepath.Join(runs, "app", ".20261001T000000Z-0.1.0+1"+removingSuffix)
	if err := os.MkdirAll(filepath.Join(leftover, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(runs, summaryFile), filepath.Join(runs, "Not A Recipe", "x")} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st := newState()
	st.edit("app").Version, st.edit("app").Commit = "1.1.0+1", strings.ToUpper(c)

	r := &retention{runs: runs, keep: 3, st: st, quiet: time.Hour, now: time.Now()}
	removed, errs := r.retain()
	if len(errs) != 0 || removed != len(all)-len(want) {
		t.Errorf("retain = %d, %v; want %d removed, no errors", removed, errs, len(all)-len(want))
	}
	got, leftovers, err := listRuns(filepath.Join(runs, "app"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("run directories kept (-want +got):\n%s", diff)
	}
	if len(leftovers) != 0 {
		t.Errorf("leftover removals still there: %q", leftovers)
	}
	if few, _, _ := listRuns(filepath.Join(runs, "few")); len(few) != 2 {
		t.Errorf("few's runs = %q, want both (fewer than keep)", few)
	}
	if _, err := os.Stat(filepath.Join(runs, "Not A Recipe", "x")); err != nil {
		t.Errorf("a folder that is no recipe was touched: %v", err)
	}

	r.keep = 0 // keeps everything
	if removed, errs := r.retain(); removed != 0 || errs != nil {
		t.Errorf("retain with keep 0 = %d, %v", removed, errs)
	}
}

// TestRunRetention: three sweeps with keep = 1. The first passes 1.0.0
// (canonical); the next two fail 1.1.0. What remains is the newest run
// (also the newest failure) and the run backing the canonical version;
// the board's history (Status) reads exactly those.
func TestRunRetention(t *testing.T) {
	cfg := rtSweep(t, map[string][]string{"app": {"1.0.0+1"}}, `[ "$CCCI_VERSION" = 1.0.0+1 ]`)
	cfg.Sweep.Keep = 1
	s, err := Run(t.Context(), cfg, Options{})
	if err != nil {
		t.Fatalf("first Run = %v", err)
	}
	canonRun := filepath.Base(s.Outcomes[0].RunDir)
	dir := filepath.Join(cfg.Sweep.Recipes, "app")
	git(t, dir, "commit", "-q", "--allow-empty", "-m", "newer")
	git(t, dir, "tag", "1.1.0+1")
	var newest string
	for range 2 {
		s, _ = Run(t.Context(), cfg, Options{Weekly: true})
		if o := s.Outcomes[0]; o.Verdict != Fail {
			t.Fatalf("outcome %+v, want fail", o)
		}
		newest = filepath.Base(s.Outcomes[0].RunDir)
	}
	got, _, _ := listRuns(filepath.Join(cfg.Sweep.Runs, "app"))
	if want := []string{newest, canonRun}; !slices.Equal(got, want) {
		t.Errorf("run directories = %q, want %q (newest failure, canonical's run)", got, want)
	}
	ov, err := Status(t.Context(), cfg, Options{History: 30})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(ov.Recipes[0].Runs); n != 2 {
		t.Errorf("Status shows %d runs, want the 2 kept", n)
	}
}
