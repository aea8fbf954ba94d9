package sweep

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/internal/gittest"
)

// TestRunLowDiskThreshold: a min_free above the free space of the real
// filesystem the runs live on. No run starts, the sweep is deferred (exit
// 75), its message names the filesystem, the free and the needed space,
// no recipe gets a verdict, and the next plan runs them again.
func TestRunLowDiskThreshold(t *testing.T) {
	cfg := rtSweep(t, map[string][]string{"a": {"1.0.0+1"}, "b": {"1.0.0+1"}}, "exit 0")
	cfg.Sweep.MinFree = 1 << 62
	s, err := Run(t.Context(), cfg, Options{})
	if !errors.Is(err, ccci.ErrDeferred) || ccci.ExitCode(err) != ccci.ExitBusy {
		t.Fatalf("Run = %v, want ErrDeferred (exit 75)", err)
	}
	l := s.LowDisk
	if s.Status != "deferred" || l == nil || l.Need != 1<<62 || l.Free >= l.Need || l.Path != cfg.Sweep.Runs || l.Mount != mountPoint(cfg.Sweep.Runs) {
		t.Fatalf("summary status %q, low disk %+v; want deferred, the runs directory's filesystem", s.Status, l)
	}
	for _, want := range []string{"low disk space: the filesystem at " + l.Mount, " free, 4 EiB needed ([sweep] min_free)"} {
		if !strings.Contains(err.Error(), want) || !strings.Contains(s.Error, want) {
			t.Errorf("error %q (summary %q) does not say %q", err, s.Error, want)
		}
	}
	for _, o := range s.Outcomes {
		if o.Verdict != Deferred || o.RunDir != "" {
			t.Errorf("%s: %s in %q, want deferred, never started", o.Recipe, o.Verdict, o.RunDir)
		}
	}
	rtUntouched(t, cfg)
	if last, err := readSummary(cfg.Sweep.Runs); err != nil || last.LowDisk == nil || *last.LowDisk != *l {
		t.Errorf("last-sweep.json low_disk = %+v (%v), want %+v", last, err, l)
	}
	ds, err := Plan(t.Context(), cfg, Options{})
	if err != nil || len(ds) != 2 || ds[0].Action != ActionRun || ds[1].Action != ActionRun {
		t.Errorf("Plan after the deferral = %+v, %v; want both planned again", ds, err)
	}
}

// TestRunLowDiskPaths: [sweep] disk_paths are checked too (/proc has no
// free space at all), and one that does not exist stops the sweep before
// anything runs, as a host problem (exit 3).
func TestRunLowDiskPaths(t *testing.T) {
	cfg := rtSweep(t, map[string][]string{"a": {"1.0.0+1"}}, "exit 0")
	cfg.Sweep.MinFree = 1
	cfg.Sweep.DiskPaths = []string{"/proc"}
	s, err := Run(t.Context(), cfg, Options{})
	if ccci.ExitCode(err) != ccci.ExitBusy || s.LowDisk == nil || s.LowDisk.Path != "/proc" || s.LowDisk.Mount != "/proc" || s.LowDisk.Free != 0 {
		t.Fatalf("Run = %v, low disk %+v; want deferred for /proc", err, s.LowDisk)
	}
	cfg.Sweep.DiskPaths = []string{filepath.Join(t.TempDir(), "missing")}
	s, err = Run(t.Context(), cfg, Options{})
	if ccci.ExitCode(err) != ccci.ExitEnv || !strings.Contains(fmt.Sprint(err), "sweep.disk_paths: checking free space: statfs ") || len(s.Outcomes) != 0 {
		t.Fatalf("Run with a missing disk path = %v (exit %d), %d outcomes; want a host error, exit 3, none", err, ccci.ExitCode(err), len(s.Outcomes))
	}
	rtUntouched(t, cfg)
}

// tmpfsEnv names the directory a child test mounts its tmpfs on.
const tmpfsEnv = "CCCI_TEST_TMPFS"

// TestRunLowDiskTmpfs fills a real 16 MiB tmpfs: the first recipe's
// runner writes 10 MiB to it and passes; the next recipe finds less than
// min_free (8 MiB) and is not started. Then a runner that fills the disk
// and fails is not tried again: the run ends deferred, with no verdict.
// The tmpfs is mounted in a private mount namespace (unshare -m) by a
// child test process, so the host sees nothing of it; without unshare
// or the privilege to mount, the test skips (TestRunLowDiskThreshold
// covers the guard against a real filesystem's free space).
func TestRunLowDiskTmpfs(t *testing.T) {
	if dir := os.Getenv(tmpfsEnv); dir != "" {
		lowDiskOnTmpfs(t, dir)
		return
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("no unshare(1): cannot mount a tmpfs of our own")
	}
	dir := t.TempDir()
	cmd := exec.CommandContext(t.Context(), unshare, "--mount", "--propagation", "private",
		os.Args[0], "-test.run=^TestRunLowDiskTmpfs$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), tmpfsEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	switch {
	case err != nil && strings.Contains(string(out), "unshare failed"):
		t.Skipf("unshare -m is not permitted here: %s", strings.TrimSpace(string(out)))
	case err != nil:
		t.Fatalf("child test in its own mount namespace: %v\n%s", err, out)
	case strings.Contains(string(out), "--- SKIP"):
		t.Skipf("child skipped:\n%s", out)
	case !strings.Contains(string(out), "--- PASS: TestRunLowDiskTmpfs"):
		t.Fatalf("child test did not pass:\n%s", out)
	}
	t.Logf("child:\n%s", out)
}

// lowDiskOnTmpfs runs in the child, in its own mount namespace.
func lowDiskOnTmpfs(t *testing.T, root string) {
	if err := unix.Mount("tmpfs", root, "tmpfs", 0, "size=16m,mode=0755"); err != nil {
		t.Skipf("mounting a tmpfs on %s: %v", root, err)
	}
	var st unix.Statfs_t
	if err := unix.Statfs(root, &st); err != nil || st.Type != unix.TMPFS_MAGIC {
		t.Fatalf("statfs %s = %+v, %v; want a tmpfs", root, st, err)
	}
	for _, name := range []string{"a", "b", "c"} {
		gittest.Repo(t, filepath.Join(root, "recipes", name), "1.0.0+1")
	}
	runner := filepath.Join(root, "runner.sh")
	body := `#!/bin/sh
case "$CCCI_RECIPE" in
a) dd if=/dev/zero of="$FILL" bs=1M count=10 2>/dev/null ;;
c) dd if=/dev/zero of="$FILL" bs=1M count=10 2>/dev/null; exit 1 ;;
esac
exit 0
`
	if err := os.WriteFile(runner, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	metrics := filepath.Join(t.TempDir(), "cc-ci.prom")
	cfg := rtConfig(t, root, fmt.Sprintf("run = [%q]\nmin_free = \"8MiB\"\nretries = 1\nmetrics = %q\n", runner, metrics))
	fill := filepath.Join(root, "fill")
	cfg.Env.Vars = map[string]string{"FILL": fill}

	s, err := Run(t.Context(), cfg, Options{Only: []string{"a", "b"}})
	if ccci.ExitCode(err) != ccci.ExitBusy {
		t.Fatalf("Run = %v, want deferred (exit 75)", err)
	}
	got := map[string]Verdict{}
	for _, o := range s.Outcomes {
		got[o.Recipe] = o.Verdict
	}
	if got["a"] != Pass || got["b"] != Deferred || s.LowDisk == nil || s.LowDisk.Mount != root || s.LowDisk.Free >= 8<<20 {
		t.Fatalf("verdicts %v, low disk %+v; want a pass, b deferred for the tmpfs at %s", got, s.LowDisk, root)
	}
	t.Logf("deferred: %s", s.Error)
	if rec := rtState(t, cfg.Sweep.State).Recipes["b"]; rec != nil {
		t.Errorf("b, never started, has a record: %+v", rec)
	}
	b, err := os.ReadFile(metrics)
	if err != nil || !strings.Contains(string(b), "\nccci_sweep_low_disk 1\n") ||
		!strings.Contains(string(b), fmt.Sprintf("ccci_sweep_low_disk_free_bytes{mountpoint=%q} %d\n", root, s.LowDisk.Free)) {
		t.Errorf("metrics after the deferral (%v):\n%s", err, b)
	}

	// A retry is a run too: with the disk full again it is not started.
	if err := os.Remove(fill); err != nil {
		t.Fatal(err)
	}
	s, err = Run(context.WithoutCancel(t.Context()), cfg, Options{Only: []string{"c"}})
	if ccci.ExitCode(err) != ccci.ExitBusy {
		t.Fatalf("second Run = %v, want deferred (exit 75)", err)
	}
	var c Outcome
	for _, o := range s.Outcomes {
		if o.Recipe == "c" {
			c = o
		}
	}
	if c.Verdict != Deferred || !strings.HasPrefix(c.Note, "fail on try 1, not tried again: low disk space") || len(c.Tries) != 1 {
		t.Errorf("c = %s %q tries %v; want deferred after its failed first try", c.Verdict, c.Note, c.Tries)
	}
	if rec := rtState(t, cfg.Sweep.State).Recipes["c"]; rec != nil {
		t.Errorf("c's deferred run was recorded: %+v", rec)
	}
	if res := readRun("c", c.RunDir); res.Verdict != Deferred || res.Tries[0].Verdict != Fail {
		t.Errorf("c's result.json = %+v, want deferred after a failed try", res)
	}
}
