package sweep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/recipe"
	"coopcloud.tech/cc-ci/internal/gittest"
	"coopcloud.tech/cc-ci/internal/proc"
)

// rtSweep makes recipes (name -> tags), a runner script with body and the
// config pointing at them, all under a fresh temporary directory. The
// config is parsed as cc-ci-sweep parses its file, so every default is
// the real one.
func rtSweep(t testing.TB, recipes map[string][]string, body string) *ccci.Config {
	t.Helper()
	root := t.TempDir()
	for name, tags := range recipes {
		gittest.Repo(t, filepath.Join(root, "recipes", name), tags...)
	}
	runner := filepath.Join(root, "runner.sh")
	if err := os.WriteFile(runner, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return rtConfig(t, root, fmt.Sprintf("run = [%q]\n", runner))
}

// rtConfig writes and parses root/ccci.toml: the recipes folder, state
// file and lock directory under root, a one-minute timeout, and sweep
// holding more [sweep] keys.
func rtConfig(t testing.TB, root, sweep string) *ccci.Config {
	t.Helper()
	text := fmt.Sprintf(`[env]
path = ["/usr/bin", "/bin"]
tools = ["sh"]
[sweep]
recipes = %q
state = %q
lockdir = %q
timeout = "1m"
grace = "1s"
`, filepath.Join(root, "recipes"), filepath.Join(root, "state.json"), filepath.Join(root, "lock")) + sweep
	file := filepath.Join(root, "ccci.toml")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := ccci.ParseConfig(file, []byte(text), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Init(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// rtUntouched fails unless the state file holds no record, as Init left it.
func rtUntouched(t *testing.T, cfg *ccci.Config) {
	t.Helper()
	if st := rtState(t, cfg.Sweep.State); len(st.Recipes) != 0 {
		t.Errorf("state file changed: %+v", st.Recipes)
	}
}

func rtState(t *testing.T, path string) *state {
	t.Helper()
	st, err := readState(path)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestRunPassPromotes(t *testing.T) {
	cfg := rtSweep(t, map[string][]string{"app": {"1.0.0+1.0", "1.1.0+1.0"}},
		`test "$(git -C "$ABRA_DIR/recipes/$CCCI_RECIPE" rev-parse HEAD)" = "$CCCI_COMMIT" || exit 7`)
	cfg.Env.Tools = append(cfg.Env.Tools, "git")
	var events []Event
	s, err := Run(context.Background(), cfg, Options{Events: func(ev Event) { events = append(events, ev) }})
	if err != nil {
		t.Fatalf("Run = %v; outcomes %+v", err, s.Outcomes)
	}
	if s.Status != "ok" || len(s.Outcomes) != 1 {
		t.Fatalf("summary = %+v, want one ok outcome", s)
	}
	o := s.Outcomes[0]
	if o.Verdict != Pass || !o.Promoted || o.To != "1.1.0+1.0" {
		t.Errorf("outcome = %+v, want pass, promoted to 1.1.0+1.0", o)
	}
	if len(events) != 2 || events[0].Kind != Started || events[1].Kind != Finished || events[1].Index != 1 || events[1].Total != 1 {
		t.Errorf("events = %+v, want start then end of [1/1]", events)
	}
	rec := rtState(t, cfg.Sweep.State).Recipes["app"]
	if rec == nil || rec.Version != "1.1.0+1.0" || rec.Commit != o.Commit || rec.Last == nil || rec.Last.Verdict != Pass {
		t.Errorf("state record = %+v, want canonical 1.1.0+1.0 at %s with last pass", rec, o.Commit)
	}
	res := readRun("app", o.RunDir)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if res.Verdict != Pass || !res.Promoted || res.Commit != o.Commit || res.Fingerprint != s.Fingerprint || res.ExitStatus != 0 {
		t.Errorf("result.json = %+v", res)
	}
	if _, err := os.Stat(filepath.Join(o.RunDir, logFile)); err != nil {
		t.Errorf("run log: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(filepath.Dir(cfg.Sweep.State), "runs", summaryFile))
	if err != nil {
		t.Fatalf("last sweep summary: %v", err)
	}
	var last Summary
	if err := json.Unmarshal(b, &last); err != nil || last.Status != "ok" || len(last.Outcomes) != 1 || !last.Outcomes[0].Promoted {
		t.Errorf("%s = %+v (%v), want the ok summary", summaryFile, last, err)
	}
}

// TestRunJobsBound counts the runners active at once, each marking
// itself in a shared folder: never more than jobs, and jobs reached (each
// runner waits, up to a deadline, for a peer to start, unless every other
// runner has finished: the last one runs alone).
func TestRunJobsBound(t *testing.T) {
	const jobs = 2
	recipes := map[string][]string{}
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		recipes[n] = []string{"1.0.0+1.0"}
	}
	// Each runner marks itself active and started, then waits (up to a
	// deadline) for a peer, unless every recipe has started already.
	cfg := rtSweep(t, recipes, `set -e
mkdir "$ACTIVE/$CCCI_RECIPE" "$STARTED/$CCCI_RECIPE"
ls "$ACTIVE" | wc -l >> "$SEEN"
i=0
while [ "$(ls "$ACTIVE" | wc -l)" -lt 2 ] && [ "$(ls "$STARTED" | wc -l)" -lt 5 ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done
ls "$ACTIVE" | wc -l >> "$SEEN"
rmdir "$ACTIVE/$CCCI_RECIPE"`)
	active, started, seen := t.TempDir(), t.TempDir(), filepath.Join(t.TempDir(), "seen")
	cfg.Env.Vars = map[string]string{"ACTIVE": active, "STARTED": started, "SEEN": seen}
	s, err := Run(context.Background(), cfg, Options{Jobs: jobs})
	if err != nil {
		t.Fatalf("Run = %v; outcomes %+v", err, s.Outcomes)
	}
	b, err := os.ReadFile(seen)
	if err != nil {
		t.Fatal(err)
	}
	peak := 0
	for f := range strings.FieldsSeq(string(b)) {
		n, _ := strconv.Atoi(f)
		peak = max(peak, n)
	}
	if peak != jobs {
		t.Errorf("peak concurrency = %d (counts seen %q), want %d", peak, b, jobs)
	}
	for _, out := range s.Outcomes {
		if out.Verdict != Pass || !out.Promoted {
			t.Errorf("%s: %s promoted=%v note=%q, want pass, promoted", out.Recipe, out.Verdict, out.Promoted, out.Note)
		}
	}
}

// TestRunFailureDoesNotStopOthers: one recipe fails, the others run.
func TestRunFailureDoesNotStopOthers(t *testing.T) {
	cfg := rtSweep(t, map[string][]string{"a": {"1.0.0+1"}, "bad": {"1.0.0+1"}, "c": {"1.0.0+1"}},
		`[ "$CCCI_RECIPE" != bad ] || exit 3`)
	s, err := Run(context.Background(), cfg, Options{Jobs: 2})
	if !errors.Is(err, ccci.ErrFailed) || ccci.ExitCode(err) != ccci.ExitFailed {
		t.Fatalf("Run = %v, want ErrFailed (exit 1)", err)
	}
	got := map[string]Verdict{}
	for _, o := range s.Outcomes {
		got[o.Recipe] = o.Verdict
	}
	want := map[string]Verdict{"a": Pass, "bad": Fail, "c": Pass}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("verdict of %s = %s, want %s", k, got[k], v)
		}
	}
	if s.Status != "failed" {
		t.Errorf("status = %q, want failed", s.Status)
	}
	if rec := rtState(t, cfg.Sweep.State).Recipes["bad"]; rec == nil || rec.Version != "" || rec.Last.Verdict != Fail {
		t.Errorf("bad's record = %+v, want no canonical, last fail", rec)
	}
}

// TestRunInterrupted cancels the sweep while a run is active: the run's
// group is stopped, recorded interrupted, nothing promoted.
func TestRunInterrupted(t *testing.T) {
	cfg := rtSweep(t, map[string][]string{"app": {"1.0.0+1"}, "zzz": {"1.0.0+1"}},
		// Written aside and renamed: the test must never read a half-written PID.
		`echo $$ > "$PIDFILE.new" && mv "$PIDFILE.new" "$PIDFILE"; sleep 1000`)
	pidfile := filepath.Join(t.TempDir(), "pid")
	cfg.Env.Tools = append(cfg.Env.Tools, "sleep")
	cfg.Env.Vars = map[string]string{"PIDFILE": pidfile}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := Options{Events: func(ev Event) {
		if ev.Kind == Started {
			go func() {
				for range 500 {
					if _, err := os.Stat(pidfile); err == nil {
						break
					}
					time.Sleep(10 * time.Millisecond)
				}
				cancel()
			}()
		}
	}}
	s, err := Run(ctx, cfg, o)
	if !errors.Is(err, ccci.ErrInterrupted) || ccci.ExitCode(err) != ccci.ExitInterrupted {
		t.Fatalf("Run = %v, want ErrInterrupted (exit 130)", err)
	}
	if s.Status != "interrupted" {
		t.Errorf("status = %q", s.Status)
	}
	for _, out := range s.Outcomes {
		if out.Verdict != Interrupted || out.Promoted {
			t.Errorf("%s: %s promoted=%v, want interrupted, not promoted", out.Recipe, out.Verdict, out.Promoted)
		}
	}
	st := rtState(t, cfg.Sweep.State)
	if rec := st.Recipes["app"]; rec == nil || rec.Version != "" || rec.Last == nil || rec.Last.Verdict != Interrupted {
		t.Errorf("app's record = %+v, want last interrupted, no canonical", rec)
	}
	if rec := st.Recipes["zzz"]; rec != nil && rec.Last != nil {
		t.Errorf("zzz never started but has a last result %+v", rec.Last)
	}
	rtGone(t, pidfile)
}

// rtGone fails unless the PID in file has exited (gone, or a zombie
// nobody reaped), allowing the kernel a moment to finish a SIGKILL. A file
// without a PID fails: it would otherwise prove nothing.
func rtGone(t *testing.T, file string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		t.Fatalf("%s holds no PID: %q", file, b)
	}
	for range 100 {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil || strings.Contains(string(stat), ") Z ") {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("process %d survived", pid)
}

// TestRunDeferred: a CI job holds the run-active lock (shared) past the
// deadline: ErrDeferred (exit 75), no run, state untouched.
func TestRunDeferred(t *testing.T) {
	cfg := rtSweep(t, map[string][]string{"a": {"1.0.0+1"}, "b": {"1.0.0+1"}}, "exit 0")
	if err := os.MkdirAll(cfg.Sweep.Lockdir, 0o755); err != nil {
		t.Fatal(err)
	}
	ci, err := ccci.TryRLock(ccci.RunActivePath(cfg.Sweep.Lockdir))
	if err != nil {
		t.Fatal(err)
	}
	defer ci.Unlock()
	waited := 0
	s, err := Run(context.Background(), cfg, Options{Defer: 200 * time.Millisecond,
		Events: func(ev Event) {
			if ev.Kind == Waiting {
				waited++
			}
		}})
	if !errors.Is(err, ccci.ErrDeferred) || ccci.ExitCode(err) != ccci.ExitBusy {
		t.Fatalf("Run = %v, want ErrDeferred (exit 75)", err)
	}
	if s.Status != "deferred" || waited != 1 {
		t.Errorf("status = %q, waiting events = %d; want deferred, 1", s.Status, waited)
	}
	for _, out := range s.Outcomes {
		if out.Verdict != Deferred {
			t.Errorf("%s: %s, want deferred", out.Recipe, out.Verdict)
		}
	}
	rtUntouched(t, cfg)
}

// TestRunBusy: a second sweep exits at once with ErrLocked.
func TestRunBusy(t *testing.T) {
	cfg := rtSweep(t, map[string][]string{"a": {"1.0.0+1"}}, "exit 0")
	l, err := lockSweep(cfg.Sweep.Lockdir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	_, err = Run(context.Background(), cfg, Options{})
	if !errors.Is(err, ccci.ErrLocked) || ccci.ExitCode(err) != ccci.ExitBusy {
		t.Fatalf("Run = %v, want ErrLocked (exit 75)", err)
	}
	if !strings.Contains(err.Error(), "another sweep is running") {
		t.Errorf("error %q does not say another sweep runs", err)
	}
}

// TestRunNotPromoted: the test passes but the state file breaks before the
// promotion: "not promoted", and the sweep stops with the state error.
func TestRunNotPromoted(t *testing.T) {
	cfg := rtSweep(t, map[string][]string{"app": {"1.0.0+1"}, "zzz": {"1.0.0+1"}}, `echo garbage > "$STATE"`)
	cfg.Env.Vars = map[string]string{"STATE": cfg.Sweep.State}
	s, err := Run(context.Background(), cfg, Options{})
	if err == nil || ccci.ExitCode(err) != ccci.ExitUsage {
		t.Fatalf("Run = %v, want the state error (exit 2)", err)
	}
	// The second recipe never started because of the state error: not
	// "interrupted: context canceled".
	if z := s.Outcomes[1]; z.Verdict != Skipped || !strings.Contains(z.Note, "not started: the sweep stopped: state ") {
		t.Errorf("zzz's outcome = %s %q, want skipped, not started: the sweep stopped: state ...", z.Verdict, z.Note)
	}
	o := s.Outcomes[0]
	if o.Verdict != Pass || o.Promoted || !strings.HasPrefix(o.Note, "not promoted: ") {
		t.Errorf("outcome = %s promoted=%v note=%q, want pass, not promoted: ...", o.Verdict, o.Promoted, o.Note)
	}
	if b, _ := os.ReadFile(cfg.Sweep.State); string(b) != "garbage\n" {
		t.Errorf("corrupt state file overwritten: %q", b)
	}
}

func TestHostLockSharedHold(t *testing.T) {
	dir := t.TempDir()
	h := newHostLock(dir, time.Now().Add(time.Minute))
	ctx := context.Background()
	if err := h.acquire(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := h.acquire(ctx, nil); err != nil {
		t.Fatalf("second acquire = %v; want it to join the hold", err)
	}
	check := func(wantFree bool) {
		t.Helper()
		l, err := ccci.TryRLock(ccci.RunActivePath(dir))
		if (err == nil) != wantFree {
			t.Errorf("shared TryLock = %v, want free=%v", err, wantFree)
		}
		if err == nil {
			l.Unlock()
		}
	}
	check(false)
	if err := h.release(); err != nil {
		t.Fatal(err)
	}
	check(false)
	if err := h.release(); err != nil {
		t.Fatal(err)
	}
	check(true)
}

func TestMakeRunDir(t *testing.T) {
	runs := t.TempDir()
	at := time.Date(2026, 11, 21, 23, 0, 5, 0, time.UTC)
	var got []string
	for range 3 {
		dir, err := makeRunDir(runs, "gitea", "3.6.0+1.24.2", at)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.TrimPrefix(dir, runs+"/"))
	}
	want := []string{"gitea/20261121T230005Z-3.6.0+1.24.2", "gitea/20261121T230005Z-3.6.0+1.24.2-2",
		"gitea/20261121T230005Z-3.6.0+1.24.2-3"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("makeRunDir = %q, want %q", got, want)
	}
}

// TestRunNotifiesEarlyError: a sweep stopped by a corrupt state file still
// tells [sweep] notify, with status "error".
func TestRunNotifiesEarlyError(t *testing.T) {
	cfg := rtSweep(t, map[string][]string{"app": {"1.0.0+1"}}, "exit 0")
	heard := filepath.Join(t.TempDir(), "heard")
	notify := filepath.Join(t.TempDir(), "notify.sh")
	if err := os.WriteFile(notify, []byte("#!/bin/sh\n{ echo \"$CCCI_SWEEP_STATUS\"; cat; } > "+heard+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg.Sweep.Notify = []string{notify}
	if err := os.WriteFile(cfg.Sweep.State, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Run(context.Background(), cfg, Options{})
	if ccci.ExitCode(err) != ccci.ExitUsage || s == nil || s.Status != "error" || len(s.Outcomes) != 0 {
		t.Fatalf("Run = %+v, %v; want status error, exit 2", s, err)
	}
	b, err := os.ReadFile(heard)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "error\n") || !strings.Contains(string(b), `"status": "error"`) {
		t.Errorf("notify heard %q, want status error and the summary", b)
	}
}

// BenchmarkRunOverhead is the sweep's own cost per recipe run: lock,
// fresh ABRA_DIR, clone at the tag's commit, process group, log,
// result.json, promotion and re-read, with a runner that does nothing.
// Each iteration sweeps 10 recipes with a fresh state, 2 at a time.
func BenchmarkRunOverhead(b *testing.B) {
	root := b.TempDir()
	recipes := map[string][]string{}
	for i := range 10 {
		recipes[string(rune('a'+i))+"app"] = []string{"1.0.0+1.0", "1.1.0+1.0"}
	}
	for name, tags := range recipes {
		gittest.Repo(b, filepath.Join(root, "recipes", name), tags...)
	}
	cfg := rtConfig(b, root, "run = [\"true\"]\njobs = 2\n")
	cfg.Env.Tools = []string{"true"}
	b.ResetTimer()
	for i := range b.N {
		cfg.Sweep.State = filepath.Join(root, fmt.Sprintf("state-%d.json", i))
		s, err := Run(context.Background(), cfg, Options{})
		if err != nil || len(s.Outcomes) != len(recipes) {
			b.Fatalf("Run = %v", err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*len(recipes)), "ms/run")
}

// TestRunNoCommand: a config without [sweep] run is an error before
// anything runs (exit 2), not a sweep of recipes that all "could not start".
func TestRunNoCommand(t *testing.T) {
	cfg := rtSweep(t, map[string][]string{"app": {"1.0.0+1"}}, "exit 0")
	cfg.Sweep.Run = nil
	s, err := Run(context.Background(), cfg, Options{})
	if code := ccci.ExitCode(err); code != ccci.ExitUsage || !strings.Contains(fmt.Sprint(err), "sweep.run is not set") {
		t.Fatalf("Run without a command = %v (exit %d), want sweep.run is not set, exit 2", err, code)
	}
	if s == nil || s.Status != "error" || len(s.Outcomes) != 0 {
		t.Errorf("summary = %+v, want status error and no outcomes", s)
	}
	rtUntouched(t, cfg)
}

// TestPlanSeesMovedCanonicalTag: a canonical tag moved to another commit
// since it passed is planned as retagged by Plan, not called up to date.
func TestPlanSeesMovedCanonicalTag(t *testing.T) {
	cfg := rtSweep(t, map[string][]string{"app": {"1.0.0+1", "1.1.0+1"}}, "exit 0")
	dir := filepath.Join(cfg.Sweep.Recipes, "app")
	passed := git(t, dir, "rev-parse", "1.1.0+1^{commit}")
	v, err := recipe.Parse("1.1.0+1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := writeCanonical(context.Background(), cfg.Sweep.State, "app", v, passed, StatusPass, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	ds, err := Plan(context.Background(), cfg, Options{})
	if err != nil || len(ds) != 1 || ds[0].Reason != UpToDate {
		t.Fatalf("Plan before the move = %+v, %v; want app up-to-date", ds, err)
	}
	git(t, dir, "commit", "-q", "--allow-empty", "-m", "sneaky")
	git(t, dir, "tag", "-f", "-a", "-m", "again", "1.1.0+1")
	ds, err = Plan(context.Background(), cfg, Options{})
	if err != nil || len(ds) != 1 || ds[0].Reason != Retagged || ds[0].Action != ActionRun {
		t.Errorf("Plan after the tag moved = %+v, %v; want app run, retagged", ds, err)
	}
}

// TestRunNeverGoesBack: while a recipe's run is active an operator tags a
// newer version and promotes it by hand; the run then passes, and the
// sweep must not write its older version over the hand promotion.
func TestRunNeverGoesBack(t *testing.T) {
	cfg := rtSweep(t, map[string][]string{"app": {"1.0.0+1", "1.2.0+1"}}, "exit 0")
	dir := filepath.Join(cfg.Sweep.Recipes, "app")
	var promoted *Promotion
	s, err := Run(t.Context(), cfg, Options{Events: func(ev Event) {
		if ev.Kind != Started {
			return
		}
		git(t, dir, "commit", "-q", "--allow-empty", "-m", "newer")
		git(t, dir, "tag", "1.3.0+1")
		var perr error
		if promoted, perr = PromoteByHand(t.Context(), cfg, "app", "1.3.0+1"); perr != nil {
			t.Errorf("PromoteByHand during the run: %v", perr)
		}
	}})
	if !errors.Is(err, ccci.ErrFailed) {
		t.Errorf("Run = %v, want ErrFailed (a pass that was not promoted)", err)
	}
	o := s.Outcomes[0]
	if o.Verdict != Pass || o.Promoted || o.Note != "not promoted: canonical moved to 1.3.0+1 during the run" {
		t.Errorf("outcome = %s promoted=%v note=%q, want pass, not promoted: canonical moved to 1.3.0+1 during the run", o.Verdict, o.Promoted, o.Note)
	}
	rec := rtState(t, cfg.Sweep.State).Recipes["app"]
	if promoted == nil || rec.Version != "1.3.0+1" || rec.Status != StatusByHand || rec.Commit != promoted.Commit {
		t.Errorf("canonical = %+v, want the hand promotion 1.3.0+1 kept", rec)
	}
}

// TestRunUnreadableRecipes: a clone whose refs cannot be read and one
// whose latest tag points to a missing object are each an error outcome
// for that recipe alone; the other recipe runs and passes; the sweep is
// not green.
func TestRunUnreadableRecipes(t *testing.T) {
	cfg := rtSweep(t, map[string][]string{"good": {"1.0.0+1"}, "refs": {"1.0.0+1"}, "object": {"1.0.0+1"}}, "exit 0")
	if err := os.WriteFile(filepath.Join(cfg.Sweep.Recipes, "refs", ".git", "packed-refs"), []byte("garbage\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := strings.Repeat("ab", 20)
	if err := os.WriteFile(filepath.Join(cfg.Sweep.Recipes, "object", ".git", "refs", "tags", "2.0.0+1"), []byte(missing+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Run(t.Context(), cfg, Options{})
	if !errors.Is(err, ccci.ErrFailed) || s.Status != "failed" {
		t.Fatalf("Run = %v, status %q; want ErrFailed, failed", err, s.Status)
	}
	got := map[string]string{}
	for _, o := range s.Outcomes {
		got[o.Recipe] = string(o.Verdict) + " " + string(o.Reason)
	}
	want := map[string]string{"good": "pass never-verified", "refs": "error unreadable", "object": "error never-verified"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("outcomes = %v, want %v", got, want)
	}
	for _, o := range s.Outcomes {
		if o.Recipe == "object" && !strings.Contains(o.Note, "peeling tag 2.0.0+1") {
			t.Errorf("object's note = %q, want it to name the tag it could not peel", o.Note)
		}
	}
}

// TestRunReapsOrphans: a test's child whose parent exits is given to the
// sweep (its subreaper); whether it exits by itself or is killed when the
// run ends, the sweep waits for it, so no zombie of the sweep is left.
func TestRunReapsOrphans(t *testing.T) {
	cfg := rtSweep(t, map[string][]string{"app": {"1.0.0+1"}},
		// A double fork: the orphan touches a file and exits; the test
		// ends once it has.
		`sh -c 'sh -c "exec touch $DONE" &'; while [ ! -e "$DONE" ]; do sleep 0.01; done`)
	done := filepath.Join(t.TempDir(), "done")
	cfg.Env.Tools = append(cfg.Env.Tools, "touch", "sleep")
	cfg.Env.Vars = map[string]string{"DONE": done}
	if _, err := Run(context.Background(), cfg, Options{}); err != nil {
		t.Fatal(err)
	}
	zombies := func() []int {
		var pids []int
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			st, err := proc.ReadStat(pid)
			comm, _ := os.ReadFile("/proc/" + e.Name() + "/comm")
			if err == nil && st.State == 'Z' && st.PPID == os.Getpid() && string(comm) == "touch\n" {
				pids = append(pids, pid)
			}
		}
		return pids
	}
	if left := zombies(); len(left) > 0 {
		t.Errorf("zombie children of the sweep left: %v", left)
	}
}

// TestRunActiveDirOfAnotherUser: a <lockdir>/active that another user
// made (or a root sweep, before the service's user) stops the sweep before
// its first clone, exit 3, and names the directory; no recipe runs.
func TestRunActiveDirOfAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("giving a directory to another user needs root")
	}
	ran := filepath.Join(t.TempDir(), "ran")
	cfg := rtSweep(t, map[string][]string{"app": {"1.0.0+1"}}, `: > `+ran)
	active := filepath.Join(cfg.Sweep.Lockdir, "active")
	if err := os.MkdirAll(active, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(active, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	s, err := Run(context.Background(), cfg, Options{})
	if ccci.ExitCode(err) != ccci.ExitEnv || !strings.Contains(err.Error(), active+" belongs to another user") {
		t.Errorf("Run = %v (exit %d), want exit 3 naming %s", err, ccci.ExitCode(err), active)
	}
	if s == nil || len(s.Outcomes) != 0 {
		t.Errorf("outcomes = %+v, want none", s)
	}
	if _, err := os.Stat(ran); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the recipe test ran")
	}
}
