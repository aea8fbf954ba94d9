// Package prometheus holds the alert rules an operator loads into
// Prometheus for cc-ci's metrics (alerts.yml) and their promtool unit
// tests (alerts_test.yml). This test runs both through Debian's promtool
// (package prometheus) and checks that every metric the rules name is one
// a real sweep writes. Without promtool it skips, unless CI is set.
package prometheus

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/sweep"
	"coopcloud.tech/cc-ci/internal/gittest"
)

func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("promtool not found and CI is set: apt-get install -y prometheus")
	}
	t.Skip("promtool not found: apt-get install -y prometheus to check the alert rules")
	return ""
}

// TestRules: promtool check rules, then promtool test rules, whose
// series make each alert fire for one host and not for another.
func TestRules(t *testing.T) {
	tool := promtool(t)
	for _, args := range [][]string{{"check", "rules", "alerts.yml"}, {"test", "rules", "alerts_test.yml"}} {
		out, err := exec.CommandContext(t.Context(), tool, args...).CombinedOutput()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// TestRulesFailWhenWrong: the unit tests are not vacuous: expecting no
// alert where one fires makes promtool fail.
func TestRulesFailWhenWrong(t *testing.T) {
	tool := promtool(t)
	tests, err := os.ReadFile("alerts_test.yml")
	if err != nil {
		t.Fatal(err)
	}
	rules, err := os.ReadFile("alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	wrong := strings.Replace(string(tests), "- eval_time: 7d", "- eval_time: 9d", 1)
	for name, b := range map[string]string{"alerts.yml": string(rules), "alerts_test.yml": wrong} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.CommandContext(t.Context(), tool, "test", "rules", "alerts_test.yml")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Errorf("promtool test rules passed with a wrong expectation:\n%s", out)
	}
}

// TestRulesNameRealMetrics: every ccci_ metric alerts.yml names is in the
// metrics file of a real sweep: one with a failing recipe, then one
// deferred for low disk.
func TestRulesNameRealMetrics(t *testing.T) {
	root := t.TempDir()
	gittest.Repo(t, filepath.Join(root, "recipes", "bad"), "1.0.0+1")
	metrics := filepath.Join(root, "cc-ci.prom")
	text := fmt.Sprintf(`[env]
path = ["/usr/bin", "/bin"]
tools = ["sh"]
[sweep]
recipes = %q
state = %q
lockdir = %q
run = ["false"]
metrics = %q
`, filepath.Join(root, "recipes"), filepath.Join(root, "state.json"), filepath.Join(root, "lock"), metrics)
	cfg, err := ccci.ParseConfig(filepath.Join(root, "ccci.toml"), []byte(text), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := sweep.Init(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	var written strings.Builder
	for _, minFree := range []int64{0, 1 << 62} {
		cfg.Sweep.MinFree = minFree
		if _, err := sweep.Run(ctx, cfg, sweep.Options{Weekly: true}); ccci.ExitCode(err) == 0 {
			t.Fatalf("Run (min_free %d) = %v, want a failed or deferred sweep", minFree, err)
		}
		b, err := os.ReadFile(metrics)
		if err != nil {
			t.Fatal(err)
		}
		written.Write(b)
	}
	rules, err := os.ReadFile("alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	names := regexp.MustCompile(`\bccci_[a-z_]+`).FindAllString(string(rules), -1)
	if len(names) < 4 {
		t.Fatalf("alerts.yml names %d metrics, want at least one per alert", len(names))
	}
	for _, name := range names {
		if !strings.Contains(written.String(), "\n# TYPE "+name+" gauge\n") {
			t.Errorf("alerts.yml names %s, which no sweep wrote", name)
		}
	}
}
