// Package systemd holds the systemd units of the operator's kit; this test
// keeps them working: systemd-analyze verify with the binary path pointed at
// a freshly built cc-ci-sweep, then the units' own command lines run against
// a small real recipe folder, and the example config checked against the
// directories the units grant.
package systemd

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/internal/gittest"
)

const (
	installed = "/usr/local/bin/cc-ci-sweep"
	config    = "/etc/cc-ci/ccci.toml"
	boardDir  = "/var/lib/cc-ci/board"
)

// buildSweep builds cc-ci-sweep into dir.
func buildSweep(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "cc-ci-sweep")
	out, err := exec.Command("go", "build", "-o", bin, "coopcloud.tech/cc-ci/cmd/cc-ci-sweep").CombinedOutput()
	if err != nil {
		t.Fatalf("go build cc-ci-sweep: %v\n%s", err, out)
	}
	return bin
}

// unitKeys reads key=value lines of a unit file, in order.
func unitKeys(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	keys := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			keys[k] = append(keys[k], v)
		}
	}
	return keys
}

func TestVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("systemd-analyze not found and CI is set: the unit check must not be skipped in CI")
		}
		t.Skip("systemd-analyze not found")
	}
	dir := t.TempDir()
	bin := buildSweep(t, dir)
	for _, name := range []string{"cc-ci-sweep.service", "cc-ci-sweep.timer"} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		unit := strings.ReplaceAll(string(b), installed, bin)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(unit), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The service requires docker.service, which a test machine lacks.
	standIn := "[Unit]\nDescription=stand-in for docker.service\n[Service]\nExecStart=/bin/true\n"
	if err := os.WriteFile(filepath.Join(dir, "docker.service"), []byte(standIn), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(analyze, "verify", "--man=no", "./cc-ci-sweep.service", "./cc-ci-sweep.timer")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// TestCommandLines runs the service's ExecStart and ExecStopPost, with the
// config and board paths pointed into a temporary directory.
func TestCommandLines(t *testing.T) {
	dir := t.TempDir()
	bin := buildSweep(t, dir)
	cfg := writeTestConfig(t, dir)
	keys := unitKeys(t, "cc-ci-sweep.service")
	// Installing: the operator creates the state file once (README).
	if out, err := exec.Command(bin, "init", "-config", cfg).CombinedOutput(); err != nil {
		t.Fatalf("cc-ci-sweep init: %v\n%s", err, out)
	}
	for _, key := range []string{"ExecStart", "ExecStopPost"} {
		if len(keys[key]) != 1 {
			t.Fatalf("cc-ci-sweep.service has %d %s lines, want 1", len(keys[key]), key)
		}
		line := keys[key][0]
		line = strings.NewReplacer(installed, bin, config, cfg, boardDir, filepath.Join(dir, "board")).Replace(line)
		args := strings.Fields(line)
		out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
		if err != nil {
			t.Errorf("%s=%s: %v\n%s", key, keys[key][0], err, out)
		}
	}
	index, err := os.ReadFile(filepath.Join(dir, "board", "index.html"))
	if err != nil {
		t.Fatalf("ExecStopPost wrote no board: %v", err)
	}
	if !strings.Contains(string(index), `<a href="recipe/demo.html">demo</a>`) {
		t.Errorf("the board lacks the recipe the sweep ran")
	}
	if !strings.Contains(string(index), `<span class="v good">ok</span>`) {
		t.Errorf("the board does not show the promoted recipe as ok")
	}
}

// writeTestConfig makes a recipe folder with one tagged recipe, a runner
// that passes and a config, and returns the config's path.
func writeTestConfig(t *testing.T, dir string) string {
	t.Helper()
	gittest.Repo(t, filepath.Join(dir, "recipes", "demo"), "1.0.0+1.0")
	runner := filepath.Join(dir, "runner.sh")
	if err := os.WriteFile(runner, []byte("#!/bin/sh\necho testing $CCCI_RECIPE $CCCI_VERSION\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "ccci.toml")
	toml := `[env]
path = ["/usr/bin", "/bin"]
tools = ["sh"]
[sweep]
recipes = "` + filepath.Join(dir, "recipes") + `"
state = "` + filepath.Join(dir, "state.json") + `"
run = ["` + runner + `"]
lockdir = "` + filepath.Join(dir, "lock") + `"
`
	if err := os.WriteFile(cfg, []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestConfigFitsUnits loads the example config and checks that the
// directories it uses are the ones the units make and grant.
func TestConfigFitsUnits(t *testing.T) {
	cfg, err := ccci.LoadConfig("ccci.toml", func(string) string { return "" })
	if err != nil {
		t.Fatalf("LoadConfig(ccci.toml) = %v", err)
	}
	keys := unitKeys(t, "cc-ci-sweep.service")
	if got, want := cfg.Sweep.Lockdir, "/run/"+keys["RuntimeDirectory"][0]; got != want {
		t.Errorf("lockdir = %q, want %q (RuntimeDirectory)", got, want)
	}
	var writable []string
	for _, v := range keys["ReadWritePaths"] {
		for _, f := range strings.Fields(v) {
			writable = append(writable, strings.TrimPrefix(f, "-")) // "-": ignored when missing
		}
	}
	for _, p := range []string{cfg.Sweep.State, cfg.Sweep.Runs, cfg.Sweep.Lockdir, cfg.Env.Vars["HOME"], boardDir, cfg.Sweep.Metrics} {
		if !slices.ContainsFunc(writable, func(w string) bool { return p == w || strings.HasPrefix(p, w+"/") }) {
			t.Errorf("%s is not under ReadWritePaths %q", p, writable)
		}
	}
	state := "/var/lib/" + keys["StateDirectory"][0]
	if !strings.HasPrefix(cfg.Sweep.State, state+"/") {
		t.Errorf("state = %q, want it under StateDirectory %s", cfg.Sweep.State, state)
	}
	tmpfiles, err := os.ReadFile("cc-ci.tmpfiles.conf")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(tmpfiles), "\nd "+cfg.Sweep.Lockdir+" ") {
		t.Errorf("cc-ci.tmpfiles.conf does not create %s", cfg.Sweep.Lockdir)
	}
}
