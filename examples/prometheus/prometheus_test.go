// Package prometheus holds the alert rules an operator loads into
// Prometheus for cc-ci's metrics (alerts.yml) and their promtool unit
// tests (alerts_test.yml). This test runs both through Debian's promtool
// (package prometheus); ccci/sweep's tests check that every metric the
// rules name is one a sweep writes. Without promtool it skips, unless CI
// is set.
package prometheus

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"coopcloud.tech/cc-ci/internal/proctest"
)

// TestRules: promtool check rules, then promtool test rules, whose
// series make each alert fire for one host and not for another.
func TestRules(t *testing.T) {
	tool := proctest.Tool(t, "prometheus", "promtool")
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
	tool := proctest.Tool(t, "prometheus", "promtool")
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
