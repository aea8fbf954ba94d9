package sweep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/env"
	"coopcloud.tech/cc-ci/ccci/recipe"
)

// rtGit runs git in dir with a fixed identity.
func rtGit(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir,
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.org")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// rtRepo makes a recipe repository with one annotated tag per commit.
func rtRepo(t testing.TB, dir string, tags ...string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	rtGit(t, dir, "init", "-q", "-b", "main")
	for _, tag := range append([]string{""}, tags...) {
		if err := os.WriteFile(filepath.Join(dir, "VERSION"), []byte(tag+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		rtGit(t, dir, "add", ".")
		rtGit(t, dir, "commit", "-q", "--allow-empty", "-m", "release "+tag)
		if tag != "" {
			rtGit(t, dir, "tag", "-a", "-m", tag, tag)
		}
	}
}

// rtSweep makes recipes (name -> tags), a runner script with body and the
// config pointing at them, all under a fresh temporary directory.
func rtSweep(t *testing.T, recipes map[string][]string, body string) *ccci.Config {
	t.Helper()
	root := t.TempDir()
	for name, tags := range recipes {
		rtRepo(t, filepath.Join(root, "recipes", name), tags...)
	}
	runner := filepath.Join(root, "runner.sh")
	if err := os.WriteFile(runner, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return &ccci.Config{
		Env: env.Spec{Path: []string{"/usr/bin", "/bin"}, Tools: []string{"sh"}},
		Sweep: ccci.Sweep{
			Recipes: filepath.Join(root, "recipes"),
			State:   filepath.Join(root, "state.json"),
			Run:     []string{runner},
			Lockdir: filepath.Join(root, "lock"),
			Timeout: time.Minute,
			Grace:   time.Second,
		},
	}
}

func rtState(t *testing.T, path string) *State {
	t.Helper()
	st, err := ReadState(path)
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
	s, err := Run(context.Background(), RunOptions{Config: cfg, Progress: func(ev Event) { events = append(events, ev) }})
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
	if len(events) != 2 || events[0].Done || !events[1].Done || events[1].Index != 1 || events[1].Total != 1 {
		t.Errorf("events = %+v, want start then end of [1/1]", events)
	}
	rec := rtState(t, cfg.Sweep.State).Recipes["app"]
	if rec == nil || rec.Version != "1.1.0+1.0" || rec.Commit != o.Commit || rec.Last == nil || rec.Last.Verdict != Pass {
		t.Errorf("state record = %+v, want canonical 1.1.0+1.0 at %s with last pass", rec, o.Commit)
	}
	res, err := ReadResult(o.RunDir)
	if err != nil {
		t.Fatal(err)
	}
	if res.Verdict != Pass || !res.Promoted || res.Commit != o.Commit || res.Fingerprint != s.Fingerprint || res.ExitStatus != 0 {
		t.Errorf("result.json = %+v", res)
	}
	if _, err := os.Stat(filepath.Join(o.RunDir, LogFile)); err != nil {
		t.Errorf("run log: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(filepath.Dir(cfg.Sweep.State), "runs", SummaryFile))
	if err != nil {
		t.Fatalf("last sweep summary: %v", err)
	}
	var last Summary
	if err := json.Unmarshal(b, &last); err != nil || last.Status != "ok" || len(last.Outcomes) != 1 || !last.Outcomes[0].Promoted {
		t.Errorf("%s = %+v (%v), want the ok summary", SummaryFile, last, err)
	}
}

// TestRunJobsBound counts the commands running at once with an atomic
// counter: never more than jobs, and jobs reached (each runner waits a
// little for a peer).
func TestRunJobsBound(t *testing.T) {
	const jobs = 2
	recipes := map[string][]string{}
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		recipes[n] = []string{"1.0.0+1.0"}
	}
	cfg := rtSweep(t, recipes, "")
	var active, peak atomic.Int32
	o := RunOptions{Config: cfg, Jobs: jobs}
	o.runCmd = func(cmd *exec.Cmd) error {
		n := active.Add(1)
		defer active.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		for i := 0; i < 400 && active.Load() < jobs; i++ {
			time.Sleep(5 * time.Millisecond) // give a peer the chance to start
		}
		return cmd.Run()
	}
	s, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("Run = %v; outcomes %+v", err, s.Outcomes)
	}
	if got := peak.Load(); got != jobs {
		t.Errorf("peak concurrency = %d, want %d", got, jobs)
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
	s, err := Run(context.Background(), RunOptions{Config: cfg, Jobs: 2})
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
	o := RunOptions{Config: cfg, Progress: func(ev Event) {
		if !ev.Done && !ev.Waiting {
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
	s, err := Run(ctx, o)
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
	s, err := Run(context.Background(), RunOptions{Config: cfg, Defer: 200 * time.Millisecond,
		Progress: func(ev Event) {
			if ev.Waiting {
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
	if _, err := os.Stat(cfg.Sweep.State); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state file written by a deferred sweep: %v", err)
	}
}

// TestRunBusy: a second sweep exits at once with ErrLocked.
func TestRunBusy(t *testing.T) {
	cfg := rtSweep(t, map[string][]string{"a": {"1.0.0+1"}}, "exit 0")
	l, err := lockSweep(cfg.Sweep.Lockdir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	_, err = Run(context.Background(), RunOptions{Config: cfg})
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
	cfg := rtSweep(t, map[string][]string{"app": {"1.0.0+1"}}, `echo garbage > "$STATE"`)
	cfg.Env.Vars = map[string]string{"STATE": cfg.Sweep.State}
	s, err := Run(context.Background(), RunOptions{Config: cfg})
	if err == nil || ccci.ExitCode(err) != ccci.ExitUsage {
		t.Fatalf("Run = %v, want the state error (exit 2)", err)
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
	f1, err := h.acquire(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	f2, err := h.acquire(ctx, nil)
	if err != nil || f1 != f2 {
		t.Fatalf("second acquire = %v, %v; want the same file", f2, err)
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
	s, err := Run(context.Background(), RunOptions{Config: cfg})
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
		rtRepo(b, filepath.Join(root, "recipes", name), tags...)
	}
	cfg := &ccci.Config{
		Env: env.Spec{Path: []string{"/usr/bin", "/bin"}, Tools: []string{"true"}},
		Sweep: ccci.Sweep{Recipes: filepath.Join(root, "recipes"), Run: []string{"true"},
			Lockdir: filepath.Join(root, "lock"), Timeout: time.Minute, Grace: time.Second, Jobs: 2},
	}
	b.ResetTimer()
	for i := range b.N {
		cfg.Sweep.State = filepath.Join(root, fmt.Sprintf("state-%d.json", i))
		s, err := Run(context.Background(), RunOptions{Config: cfg})
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
	s, err := Run(context.Background(), RunOptions{Config: cfg})
	if code := ccci.ExitCode(err); code != ccci.ExitUsage || !strings.Contains(fmt.Sprint(err), "sweep.run is not set") {
		t.Fatalf("Run without a command = %v (exit %d), want sweep.run is not set, exit 2", err, code)
	}
	if s == nil || s.Status != "error" || len(s.Outcomes) != 0 {
		t.Errorf("summary = %+v, want status error and no outcomes", s)
	}
	if _, err := os.Stat(cfg.Sweep.State); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state file written: %v", err)
	}
}

// TestPrepareSeesMovedCanonicalTag: a canonical tag moved to another commit
// since it passed is planned as retagged by the real sweep's Prepare, not
// called up to date.
func TestPrepareSeesMovedCanonicalTag(t *testing.T) {
	cfg := rtSweep(t, map[string][]string{"app": {"1.0.0+1", "1.1.0+1"}}, "exit 0")
	dir := filepath.Join(cfg.Sweep.Recipes, "app")
	passed := rtGit(t, dir, "rev-parse", "1.1.0+1^{commit}")
	v, err := recipe.Parse("1.1.0+1")
	if err != nil {
		t.Fatal(err)
	}
	if err := Promote(context.Background(), cfg.Sweep.State, "app", v, passed, time.Now()); err != nil {
		t.Fatal(err)
	}
	_, ds, err := Prepare(context.Background(), &RunOptions{Config: cfg})
	if err != nil || len(ds) != 1 || ds[0].Reason != UpToDate {
		t.Fatalf("Prepare before the move = %+v, %v; want app up-to-date", ds, err)
	}
	rtGit(t, dir, "commit", "-q", "--allow-empty", "-m", "sneaky")
	rtGit(t, dir, "tag", "-f", "-a", "-m", "again", "1.1.0+1")
	_, ds, err = Prepare(context.Background(), &RunOptions{Config: cfg})
	if err != nil || len(ds) != 1 || ds[0].Reason != Retagged || ds[0].Action != ActionRun {
		t.Errorf("Prepare after the tag moved = %+v, %v; want app run, retagged", ds, err)
	}
}
