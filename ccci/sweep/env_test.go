package sweep

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/env"
)

// TestRunStrict: in strict mode the sweep's runs get the view as their
// PATH, as cc-ci-run's jobs do: declared tools run, undeclared ones (ls,
// in /usr/bin) are not found.
func TestRunStrict(t *testing.T) {
	cfg := rtSweep(t, map[string][]string{"app": {"1.0.0+1.0"}},
		`test "$(git -C "$ABRA_DIR/recipes/$CCCI_RECIPE" rev-parse HEAD)" = "$CCCI_COMMIT" || exit 7
if command -v ls; then exit 9; fi
echo "PATH=$PATH"`)
	cfg.Env.Tools = append(cfg.Env.Tools, "git")
	cfg.Env.Strict = true
	s, err := Run(context.Background(), cfg, Options{})
	if err != nil || len(s.Outcomes) != 1 || s.Outcomes[0].Verdict != Pass {
		t.Fatalf("Run = %v; outcomes %+v", err, s.Outcomes)
	}
	log, err := os.ReadFile(filepath.Join(s.Outcomes[0].RunDir, logFile))
	if err != nil {
		t.Fatal(err)
	}
	view := regexp.MustCompile(`(?m)^PATH=` + regexp.QuoteMeta(ccci.RuntimeDir(cfg.Sweep.Lockdir)) + `/[0-9]+/e1-[A-Za-z0-9_-]{43}/bin$`)
	if !view.Match(log) {
		t.Errorf("run log %q, want PATH= the strict view", log)
	}
	if !strings.HasPrefix(s.Fingerprint, "e1:") {
		t.Errorf("fingerprint %q", s.Fingerprint)
	}
}

// fakeLFS adds a git-lfs to cfg's [env] that says it is version v, in a
// directory searched first, with requirement ">= 3.0".
func fakeLFS(t *testing.T, cfg *ccci.Config, v string) {
	t.Helper()
	dir := t.TempDir()
	script := "#!/bin/sh\necho 'git-lfs/" + v + " (GitHub; linux amd64)'\n"
	if err := os.WriteFile(filepath.Join(dir, "git-lfs"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg.Env.Path = append([]string{dir}, cfg.Env.Path...)
	if !slices.Contains(cfg.Env.Tools, "git-lfs") {
		cfg.Env.Tools = append(cfg.Env.Tools, "git-lfs")
	}
	cfg.Env.Require = map[string]string{"git-lfs": ">= 3.0"}
}

// TestRunRequireUnmet: a requirement not met stops the sweep before the
// first clone: exit 3, naming the tool, no recipe verdict, nothing run.
func TestRunRequireUnmet(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "ran")
	cfg := rtSweep(t, map[string][]string{"app": {"1.0.0+1.0"}}, "touch "+marker)
	fakeLFS(t, cfg, "2.13.3")
	s, err := Run(context.Background(), cfg, Options{})
	var re *env.RequireError
	if !errors.As(err, &re) || ccci.ExitCode(err) != ccci.ExitEnv ||
		!strings.Contains(err.Error(), `env.require: git-lfs: version 2.13.3 does not satisfy ">= 3.0"`) {
		t.Fatalf("Run = %v (exit %d), want env.require's *env.RequireError, exit 3", err, ccci.ExitCode(err))
	}
	if len(s.Outcomes) != 0 {
		t.Errorf("outcomes = %+v, want none", s.Outcomes)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("the runner ran")
	}
	rtUntouched(t, cfg)

	fakeLFS(t, cfg, "3.4.1")
	if s, err := Run(context.Background(), cfg, Options{}); err != nil {
		t.Errorf("Run with git-lfs 3.4.1 = %v; outcomes %+v", err, s.Outcomes)
	}
}

// TestPlanWarnsEnv: plan says, as warnings, what would stop a run: a
// missing tool, an unmet requirement. The plan itself stands.
func TestPlanWarnsEnv(t *testing.T) {
	cfg := rtSweep(t, map[string][]string{"app": {"1.0.0+1.0"}}, "true")
	plan := func() []string {
		t.Helper()
		var warnings []string
		ds, err := Plan(context.Background(), cfg, Options{Events: func(ev Event) {
			if ev.Kind == Warning {
				warnings = append(warnings, ev.String())
			}
		}})
		if err != nil || len(ds) != 1 || ds[0].Action != ActionRun {
			t.Fatalf("Plan = %+v, %v; want app to run", ds, err)
		}
		return warnings
	}
	if w := plan(); len(w) != 0 {
		t.Errorf("warnings = %q, want none", w)
	}
	fakeLFS(t, cfg, "2.13.3")
	w := plan()
	if len(w) != 1 || w[0] != `warning: environment: git-lfs: version 2.13.3 does not satisfy ">= 3.0" (a sweep would stop before its first run, exit 3)` {
		t.Errorf("warnings = %q, want one for git-lfs's version", w)
	}
	cfg.Env.Require = nil
	cfg.Env.Tools = append(cfg.Env.Tools, "nope", "nada")
	w = plan()
	if len(w) != 2 || !strings.HasPrefix(w[0], "warning: environment: nope: not found in ") || !strings.HasPrefix(w[1], "warning: environment: nada: not found in ") {
		t.Errorf("warnings = %q, want one per missing tool", w)
	}
}
