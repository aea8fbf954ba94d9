package sweep

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/drone"
	"coopcloud.tech/cc-ci/internal/dronefake"
)

// droneSweep makes recipes (name -> tags), a stand-in Drone whose
// pipeline's one step runs a script with body (the recipe test, on the
// "runner host"), and a config with executor = "drone" pointing at it.
// extra holds more [drone] keys.
func droneSweep(t *testing.T, recipes map[string][]string, body string, fc dronefake.Config, extra string) (*ccci.Config, *dronefake.Server) {
	t.Helper()
	local := rtSweep(t, recipes, body) // the recipes, the runner and a local config
	root, runner := filepath.Dir(local.File), local.Sweep.Run[0]
	if fc.Pipeline.Events == nil {
		fc.Pipeline.Events = []string{"custom", "promote"}
	}
	if fc.Pipeline.Steps == nil {
		fc.Pipeline = dronefake.Pipeline{Name: "recipe", Events: fc.Pipeline.Events, Steps: []dronefake.Step{
			{Name: "clone", Commands: []string{"echo cloned"}},
			{Name: "test recipe", Commands: []string{`: "${CCCI_RECIPE:?}"`, "exec " + runner}}}}
	}
	fc.Root = t.TempDir()
	srv := dronefake.Start(fc)
	t.Cleanup(srv.Close)
	token := filepath.Join(root, "token")
	if err := os.WriteFile(token, []byte("token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := rtConfig(t, root, fmt.Sprintf(`run = [%q]
executor = "drone"
[drone]
server = %q
token_file = %q
repo = "coop-cloud/cc-ci"
poll = "50ms"
`, runner, srv.URL, token)+extra)
	return cfg, srv
}

// posts counts the create requests the server received.
func posts(s *dronefake.Server) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Method == "POST" {
			n++
		}
	}
	return n
}

// byRecipe maps the server's builds by their CCCI_RECIPE parameter.
func byRecipe(t *testing.T, s *dronefake.Server) map[string][]dronefake.Build {
	t.Helper()
	m := map[string][]dronefake.Build{}
	for _, b := range s.Builds() {
		m[b.Params[ccci.VarRecipe]] = append(m[b.Params[ccci.VarRecipe]], b)
	}
	return m
}

func outcome(t *testing.T, s *Summary, recipe string) Outcome {
	t.Helper()
	for _, o := range s.Outcomes {
		if o.Recipe == recipe {
			return o
		}
	}
	t.Fatalf("no outcome for %s in %+v", recipe, s.Outcomes)
	return Outcome{}
}

// TestDroneSweep: each planned run is one build, with the run's
// parameters; the passing ones are promoted, the failing one is a fail
// with its step's exit status; logs and build numbers are kept locally.
func TestDroneSweep(t *testing.T) {
	cfg, srv := droneSweep(t, map[string][]string{
		"app": {"1.0.0+1.0", "1.1.0+1.0"}, "broken": {"2.0.0+5"}, "other": {"0.1.0+1"}, "unreleased": {},
	}, `echo "test of $CCCI_RECIPE $CCCI_FROM_VERSION -> $CCCI_VERSION at $CCCI_COMMIT ($CCCI_SWEEP) in $HOME"
test "$CCCI_RECIPE" != broken || exit 4`, dronefake.Config{Slots: 2}, "capacity = 2\n")
	s, err := Run(context.Background(), cfg, Options{})
	if !errors.Is(err, ccci.ErrFailed) || ccci.ExitCode(err) != 1 {
		t.Fatalf("Run = %v, want a failed sweep (exit 1)", err)
	}
	builds := byRecipe(t, srv)
	if srv.Created() != 3 || posts(srv) != 3 {
		t.Fatalf("server made %d builds from %d creates, want 3 and 3: %v", srv.Created(), posts(srv), builds)
	}
	if srv.MaxRunning() > 2 {
		t.Errorf("%d builds ran at once, capacity is 2", srv.MaxRunning())
	}
	st := rtState(t, cfg.Sweep.State)
	for name, want := range map[string]Verdict{"app": Pass, "other": Pass, "broken": Fail} {
		o := outcome(t, s, name)
		if o.Verdict != want || o.Promoted != (want == Pass) {
			t.Errorf("%s: outcome %+v, want %s, promoted %v", name, o, want, want == Pass)
		}
		rec := st.Recipes[name]
		if rec == nil || rec.Last == nil || rec.Last.Verdict != want || (rec.Version == o.To) != (want == Pass) {
			t.Errorf("%s: state record %+v, want last %s and canonical only when it passed", name, rec, want)
		}
		if len(builds[name]) != 1 {
			t.Errorf("%s: %d builds, want 1", name, len(builds[name]))
			continue
		}
		b := builds[name][0]
		wantParams := map[string]string{ccci.VarRecipe: name, ccci.VarVersion: o.To, ccci.VarFromVersion: o.From,
			ccci.VarCommit: o.Commit, ccci.VarFingerprint: s.Fingerprint}
		for k, v := range wantParams {
			if b.Params[k] != v {
				t.Errorf("%s: build parameter %s=%q, want %q", name, k, b.Params[k], v)
			}
		}
		res := readRun(name, o.RunDir)
		if res.Drone == nil || res.Drone.Number != b.Number || res.Drone.Link != srv.URL+"/coop-cloud/cc-ci/"+fmt.Sprint(b.Number) {
			t.Errorf("%s: result.json drone = %+v, want build %d and its link", name, res.Drone, b.Number)
		}
		log, err := os.ReadFile(filepath.Join(o.RunDir, logFile))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{
			fmt.Sprintf("--- Drone build #%d, stage recipe, step clone: success (exit 0)\n+ echo cloned\ncloned\n", b.Number),
			fmt.Sprintf("--- Drone build #%d, stage recipe, step test recipe: ", b.Number),
			fmt.Sprintf("test of %s %s -> %s at %s (%s) in ", name, o.From, o.To, o.Commit, b.Params[VarSweepRun]),
		} {
			if !strings.Contains(string(log), want) {
				t.Errorf("%s: log lacks %q:\n%s", name, want, log)
			}
		}
	}
	if o := outcome(t, s, "broken"); readRun("broken", o.RunDir).ExitStatus != 4 {
		t.Errorf("broken: exit status %d, want 4 (the step's)", readRun("broken", o.RunDir).ExitStatus)
	}
	// The next nightly sweep has nothing to dispatch: known failure, up to date.
	if _, err := Run(context.Background(), cfg, Options{}); err != nil || srv.Created() != 3 {
		t.Errorf("second sweep = %v, %d builds; want nothing new", err, srv.Created())
	}
}

// TestDroneRefused: a wrong token, an unknown repository, a pipeline the
// custom event does not trigger: exit 3 after the first create, nothing
// else dispatched, no verdict recorded.
func TestDroneRefused(t *testing.T) {
	recipes := map[string][]string{"a": {"1.0.0+1"}, "b": {"1.0.0+1"}, "c": {"1.0.0+1"}, "d": {"1.0.0+1"}}
	tests := []struct {
		name  string
		fc    dronefake.Config
		extra string
		want  string
	}{
		{"token", dronefake.Config{Token: "other"}, "", "401 Unauthorized (the token is refused"},
		{"repo", dronefake.Config{Repo: "coop-cloud/elsewhere"}, "", "404 Not Found (no repository coop-cloud/cc-ci"},
		{"read only", dronefake.Config{ReadOnly: true}, "", "404 Not Found"},
		{"no pipeline", dronefake.Config{Pipeline: dronefake.Pipeline{Events: []string{"push"}}}, "branch = \"main\"\n",
			"drone scheduled nothing (Drone answered null) (no pipeline in coop-cloud/cc-ci's .drone.yml (branch main) is triggered by the custom event)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, srv := droneSweep(t, recipes, "exit 0", tt.fc, "capacity = 4\n"+tt.extra)
			s, err := Run(context.Background(), cfg, Options{})
			if ccci.ExitCode(err) != ccci.ExitEnv || err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("Run = %v (exit %d), want one line with %q, exit 3", err, ccci.ExitCode(err), tt.want)
			}
			if n := posts(srv); n != 1 || srv.Created() != 0 {
				t.Errorf("%d creates, %d builds; want 1 and 0", n, srv.Created())
			}
			rtUntouched(t, cfg)
			if s.Status != "error" {
				t.Errorf("summary status %q, want error", s.Status)
			}
		})
	}
}

// TestDroneParity: a runner whose cc-ci-run refused the sweep's
// fingerprint makes the run an error, not a failed test.
func TestDroneParity(t *testing.T) {
	cfg, _ := droneSweep(t, map[string][]string{"app": {"1.0.0+1"}},
		`echo "cc-ci-run: runner environment differs: the sweep's fingerprint is $CCCI_FINGERPRINT, this host's is e1:x" >&2; exit 3`,
		dronefake.Config{}, "")
	s, err := Run(context.Background(), cfg, Options{})
	if !errors.Is(err, ccci.ErrFailed) {
		t.Fatalf("Run = %v, want ErrFailed", err)
	}
	o := outcome(t, s, "app")
	res := readRun("app", o.RunDir)
	if o.Verdict != Error || res.Note != ccci.ParityRefusal || res.ExitStatus != 3 {
		t.Errorf("outcome %+v, result %+v; want error: %s", o, res, ccci.ParityRefusal)
	}
	if rec := rtState(t, cfg.Sweep.State).Recipes["app"]; rec.Last.Verdict != Error || rec.Version != "" {
		t.Errorf("state %+v, want last error and no canonical version", rec)
	}
	// A test that fails with 3 without the refusal is a failed test.
	cfg2, _ := droneSweep(t, map[string][]string{"app": {"1.0.0+1"}}, "echo tools missing >&2; exit 3", dronefake.Config{}, "")
	s, _ = Run(context.Background(), cfg2, Options{})
	if o := outcome(t, s, "app"); o.Verdict != Fail {
		t.Errorf("exit 3 without the refusal: %s, want fail", o.Verdict)
	}
}

// TestDroneTimeout: a build that never starts (no runner takes it, or it
// awaits approval) or never ends is cancelled at the timeout.
func TestDroneTimeout(t *testing.T) {
	for _, hold := range []string{"pending", "blocked", ""} {
		t.Run(hold, func(t *testing.T) {
			cfg, srv := droneSweep(t, map[string][]string{"app": {"1.0.0+1"}}, "exec sleep 100", dronefake.Config{}, "")
			cfg.Sweep.Timeout = 700 * time.Millisecond
			if hold != "" {
				srv.Inject(dronefake.Fault{Method: "POST", Hold: hold})
			}
			s, err := Run(context.Background(), cfg, Options{})
			if !errors.Is(err, ccci.ErrFailed) {
				t.Fatalf("Run = %v, want ErrFailed", err)
			}
			o := outcome(t, s, "app")
			if o.Verdict != Timeout {
				t.Errorf("verdict %s, want timeout", o.Verdict)
			}
			note := readRun("app", o.RunDir).Note
			if !strings.Contains(note, "not finished within 700ms") || !strings.Contains(note, "Drone build #1 cancelled") ||
				hold == "blocked" && !strings.Contains(note, "awaiting approval") {
				t.Errorf("note %q", note)
			}
			if b := srv.Builds()[0]; b.Status != "killed" {
				t.Errorf("build after the timeout: %s, want killed", b.Status)
			}
		})
	}
}

// TestDroneInterrupt: a sweep stopped by its signal cancels its builds
// and records them interrupted.
func TestDroneInterrupt(t *testing.T) {
	cfg, srv := droneSweep(t, map[string][]string{"a": {"1.0.0+1"}, "b": {"1.0.0+1"}}, "exec sleep 100", dronefake.Config{Slots: 2}, "")
	defer func() {
		if t.Failed() {
			for _, o := range outcomesOf(t, cfg) {
				t.Log(o)
			}
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		srv.Wait(20*time.Second, func(bs []dronefake.Build) bool {
			return len(bs) == 2 && bs[0].Status == "running" && bs[1].Status == "running"
		})
		cancel()
	}()
	s, err := Run(ctx, cfg, Options{})
	if ccci.ExitCode(err) != ccci.ExitInterrupted {
		t.Fatalf("Run = %v, want interrupted", err)
	}
	for _, b := range srv.Builds() {
		if b.Status != "killed" {
			t.Errorf("build %d: %s, want killed", b.Number, b.Status)
		}
	}
	for _, o := range s.Outcomes {
		if o.Verdict != Interrupted {
			t.Errorf("%s: %s, want interrupted", o.Recipe, o.Verdict)
		}
	}
}

// TestDroneFlakyServer: 5xx bursts, a create whose answer is lost after
// the build was made, dropped connections: each run is still one build,
// and passes.
func TestDroneFlakyServer(t *testing.T) {
	cfg, srv := droneSweep(t, map[string][]string{"a": {"1.0.0+1"}, "b": {"1.0.0+1"}}, "exit 0", dronefake.Config{Slots: 2}, "")
	srv.Inject(dronefake.Fault{Method: "POST", Drop: true, Handle: true, Times: 1}) // made, answer lost
	srv.Inject(dronefake.Fault{Method: "POST", Status: 502, Times: 1})
	srv.Inject(dronefake.Fault{Method: "GET", Path: "/api/repos/*/*/builds/*", Status: 503, Times: 3})
	srv.Inject(dronefake.Fault{Method: "GET", Path: "/api/repos/*/*/builds", Status: 500, Times: 1})
	srv.Inject(dronefake.Fault{Method: "GET", Path: "/api/repos/*/*/builds/*/logs/*/*", Drop: true, Times: 1})
	s, err := Run(context.Background(), cfg, Options{})
	if err != nil {
		t.Fatalf("Run = %v, outcomes %+v", err, s.Outcomes)
	}
	for name, bs := range byRecipe(t, srv) {
		if len(bs) != 1 {
			t.Errorf("%s: %d builds, want 1", name, len(bs))
		}
	}
	if srv.Created() != 2 {
		t.Errorf("%d builds, want 2", srv.Created())
	}
	var logs string
	for _, o := range s.Outcomes {
		b, _ := os.ReadFile(filepath.Join(o.RunDir, logFile))
		logs += string(b)
	}
	if !strings.Contains(logs, "trying again in") {
		t.Errorf("the run logs do not mention the retries:\n%s", logs)
	}
}

// TestDroneServerDown: a server that stops answering while a build runs
// makes the run an error at the deadline, never a fail.
func TestDroneServerDown(t *testing.T) {
	cfg, srv := droneSweep(t, map[string][]string{"app": {"1.0.0+1"}}, "exec sleep 100", dronefake.Config{}, "")
	cfg.Sweep.Timeout = 1500 * time.Millisecond
	go func() {
		srv.Wait(20*time.Second, func(bs []dronefake.Build) bool { return len(bs) == 1 && bs[0].Status == "running" })
		srv.Inject(dronefake.Fault{Status: 503})
	}()
	s, err := Run(context.Background(), cfg, Options{})
	if !errors.Is(err, ccci.ErrFailed) {
		t.Fatalf("Run = %v, want ErrFailed", err)
	}
	o := outcome(t, s, "app")
	if note := readRun("app", o.RunDir).Note; o.Verdict != Error || !strings.Contains(note, "drone server unreachable") || !strings.Contains(note, "503") {
		t.Errorf("outcome %s, note %q; want error, unreachable, 503", o.Verdict, note)
	}
}

// TestDroneTakeUp: a run directory left by a killed sweep, with the
// build recorded or only the create sent, is taken up: no second build.
func TestDroneTakeUp(t *testing.T) {
	cfg, srv := droneSweep(t, map[string][]string{"recorded": {"1.0.0+1"}, "lost": {"1.0.0+1"}, "stale": {"1.0.0+1"}},
		"exit 0", dronefake.Config{Slots: 3}, "")
	ds, err := Plan(context.Background(), cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := &drone.Client{Server: srv.URL, Token: "token"}
	x := &droneExecutor{client: c, repo: "coop-cloud/cc-ci"}
	started := time.Now().UTC().Add(-10 * time.Second) // well within the timeout
	for _, d := range ds {
		dir, err := makeRunDir(cfg.Sweep.Runs, d.Recipe, d.To, started)
		if err != nil {
			t.Fatal(err)
		}
		commit := git(t, filepath.Join(cfg.Sweep.Recipes, d.Recipe), "rev-parse", d.To+"^{commit}")
		run := &droneRun{Server: srv.URL, Repo: x.repo, ID: "old:" + d.Recipe, Recipe: d.Recipe, To: d.To, Commit: commit}
		if d.Recipe != "stale" {
			b, err := c.Create(context.Background(), x.repo, "", map[string]string{VarSweepRun: run.ID, ccci.VarRecipe: d.Recipe})
			if err != nil {
				t.Fatal(err)
			}
			if d.Recipe == "recorded" {
				run.Number, run.Link = b.Number, c.Link(x.repo, b.Number)
			}
		} else {
			run.Commit = "0000000000000000000000000000000000000000" // another commit: not this run
		}
		if err := run.save(dir); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Run(context.Background(), cfg, Options{})
	if err != nil {
		t.Fatalf("Run = %v, %+v", err, s.Outcomes)
	}
	builds := byRecipe(t, srv)
	if len(builds["recorded"]) != 1 || len(builds["lost"]) != 1 || len(builds["stale"]) != 1 || srv.Created() != 3 {
		t.Errorf("builds by recipe %v: want one each", builds)
	}
	for _, name := range []string{"recorded", "lost"} {
		o := outcome(t, s, name)
		if name, _ := fromRunName(filepath.Base(o.RunDir)); !name.Equal(started.Truncate(time.Second)) {
			t.Errorf("%s ran in %s, want the directory left behind", o.Recipe, o.RunDir)
		}
		if o.Verdict != Pass || !o.Promoted {
			t.Errorf("%s: %+v", o.Recipe, o)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(cfg.Sweep.Runs, "stale"))
	if len(entries) != 2 {
		t.Errorf("stale: %d run directories, want the old one and a new one", len(entries))
	}
}

// TestDroneConfig: a drone executor without a server, repository or token
// is a config error before anything runs; Destination says where runs go.
func TestDroneConfig(t *testing.T) {
	cfg := rtSweep(t, map[string][]string{"app": {"1.0.0+1"}}, "exit 0")
	cfg.Sweep.Executor = ccci.ExecutorDrone
	for _, verb := range []string{"plan", "run"} {
		var err error
		if verb == "plan" {
			_, err = Plan(context.Background(), cfg, Options{})
		} else {
			_, err = Run(context.Background(), cfg, Options{})
		}
		if ccci.ExitCode(err) != ccci.ExitUsage || !strings.Contains(err.Error(), "needs a server") {
			t.Errorf("%s = %v, want exit 2 naming what is missing", verb, err)
		}
	}
	rtUntouched(t, cfg)
	if entries, _ := os.ReadDir(cfg.Sweep.Runs); slices.ContainsFunc(entries, func(e os.DirEntry) bool { return e.IsDir() }) {
		t.Errorf("run directories made: %v", entries)
	}
	cfg.Drone = ccci.Drone{Server: "https://drone.example.org/", Repo: "coop-cloud/cc-ci", Capacity: 8}
	if got, want := Destination(cfg), "runs go: Drone https://drone.example.org/coop-cloud/cc-ci, branch its default branch, 8 at a time"; got != want {
		t.Errorf("Destination = %q, want %q", got, want)
	}
	cfg.Sweep.Executor = ""
	if got, want := Destination(cfg), "runs go: here (local executor), 1 at a time"; got != want {
		t.Errorf("Destination = %q, want %q", got, want)
	}
}

// outcomesOf returns every run log under the runs directory, for failures.
func outcomesOf(t *testing.T, cfg *ccci.Config) []string {
	var out []string
	logs, _ := filepath.Glob(filepath.Join(cfg.Sweep.Runs, "*", "*", logFile))
	for _, l := range logs {
		b, _ := os.ReadFile(l)
		out = append(out, l+":\n"+string(b))
	}
	return out
}

// TestDroneRetry: with [sweep] retries, a run whose build failed gets a
// new build for its second try (not the first one collected again), and
// passing then is flaky.
func TestDroneRetry(t *testing.T) {
	once := filepath.Join(t.TempDir(), "once")
	cfg, srv := droneSweep(t, map[string][]string{"app": {"1.0.0+1"}},
		`if [ -e `+once+` ]; then exit 0; fi; : > `+once+`; exit 1`, dronefake.Config{}, "")
	cfg.Sweep.Retries = 1
	s, err := Run(context.Background(), cfg, Options{})
	if err != nil {
		t.Fatalf("Run = %v, outcomes %+v", err, s.Outcomes)
	}
	if o := s.Outcomes[0]; o.Verdict != Flaky || !o.Promoted {
		t.Errorf("outcome = %s promoted=%v (%s), want flaky, promoted", o.Verdict, o.Promoted, o.Note)
	}
	if n := srv.Created(); n != 2 {
		t.Errorf("%d builds, want 2 (one per try)", n)
	}
}
