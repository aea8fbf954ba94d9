package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/sweep"
	"coopcloud.tech/cc-ci/internal/gittest"
	"coopcloud.tech/cc-ci/internal/proctest"
)

// TestCrashSafety kills the sweep binary with SIGKILL at random moments
// during runs and promotions, many times (100 iterations; 5 with -short):
// afterwards the state file always parses and every recipe holds either its
// old or its new canonical record, the run-active lock is free at once
// (though each test leaves a process that called setsid behind), and once
// the next cc-ci-run has started no process of the killed runs is left.
// A last sweep leaves no temporary ABRA_DIR and no active-run entry.
func TestCrashSafety(t *testing.T) {
	iterations := 100
	if testing.Short() {
		iterations = 5
	}
	bin, err := exec.LookPath("cc-ci-sweep") // installed in PATH by testscript.Main
	if err != nil {
		t.Fatal(err)
	}
	ccciRun := buildCCCIRun(t)
	c := newCrashFixture(t, []string{"alpha", "beta", "gamma"})
	// A -race binary sleeps a second at exit by default; not here.
	t.Setenv("GORACE", strings.TrimSpace("atexit_sleep_ms=0 "+os.Getenv("GORACE")))
	// What a killed sweep leaves in its TMPDIR goes with the test.
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	// Sweeps left alone tell how long a whole sweep takes here (the
	// fastest of three: the first pays for cold caches).
	full := time.Duration(1<<63 - 1)
	for range 3 {
		c.reset(t)
		start := time.Now()
		if out, err := exec.Command(bin, "run", "-config", c.config).CombinedOutput(); err != nil {
			t.Fatalf("uninterrupted sweep: %v\n%s", err, out)
		}
		full = min(full, time.Since(start))
		c.check(t, true)
	}
	rng := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	promotedAfter := map[int]int{} // recipes promoted when killed -> iterations
	for i := range iterations {
		c.reset(t)
		cmd := exec.Command(bin, "run", "-config", c.config, "-jobs", fmt.Sprint(1+i%2))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.Int64N(int64(full))))
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		promotedAfter[c.check(t, false)]++
		c.checkLockFree(t)
		if out, err := exec.Command(ccciRun, "-config", c.config, "--", "true").CombinedOutput(); err != nil {
			t.Fatalf("cc-ci-run after the kill: %v\n%s", err, out)
		}
		c.checkNoneLeft(t)
		if t.Failed() {
			t.Fatalf("iteration %d (killed after a random part of %s)", i, full)
		}
	}
	c.reset(t)
	if out, err := exec.Command(bin, "run", "-config", c.config).CombinedOutput(); err != nil {
		t.Fatalf("last sweep: %v\n%s", err, out)
	}
	left, _ := filepath.Glob(filepath.Join(tmp, "cc-ci-abra-*"))
	entries, _ := filepath.Glob(filepath.Join(c.dir, "lock", "active", "*"))
	if len(left)+len(entries) > 0 {
		t.Errorf("after the last sweep: ABRA_DIRs %v and active runs %v are left", left, entries)
	}
	// How far the killed sweeps got: recipes promoted -> iterations.
	t.Logf("a whole sweep took %s; promoted when killed: %v", full, promotedAfter)
	midway := 0 // kills between the first promotion and the last
	for n, count := range promotedAfter {
		if n > 0 && n < len(c.names) {
			midway += count
		}
	}
	if !testing.Short() && midway == 0 {
		t.Errorf("no kill landed between promotions: the loop proved nothing about a sweep killed midway")
	}
}

type crashFixture struct {
	dir, config, state string
	names              []string
	old, new           map[string]string // recipe -> commit
}

const (
	crashOld = "1.0.0+1.0"
	crashNew = "1.1.0+1.0"
)

func newCrashFixture(t *testing.T, names []string) *crashFixture {
	dir := t.TempDir()
	c := &crashFixture{dir: dir, config: filepath.Join(dir, "ccci.toml"), state: filepath.Join(dir, "state.json"),
		names: names, old: map[string]string{}, new: map[string]string{}}
	for _, n := range names {
		commits := gittest.Repo(t, filepath.Join(dir, "recipes", n), crashOld, crashNew)
		c.old[n], c.new[n] = commits[crashOld], commits[crashNew]
	}
	runner := filepath.Join(dir, "runner.sh")
	// Each test leaves a process behind that left its group, and says so.
	if err := os.Mkdir(filepath.Join(dir, "pids"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, runner, "#!/bin/sh\nsetsid sleep 1000 &\ntouch "+dir+"/pids/$!\nsleep 0.0$(( $$ % 3 ))\n")
	writeTestFile(t, c.config, fmt.Sprintf(`[env]
path = ["/usr/bin", "/bin"]
tools = ["sh", "sleep", "setsid", "touch"]
[sweep]
recipes = %q
state = %q
run = [%q]
lockdir = %q
timeout = "30s"
grace = "1s"
defer = "10s"
`, filepath.Join(dir, "recipes"), c.state, runner, filepath.Join(dir, "lock")))
	return c
}

// reset writes the state with every recipe at its old canonical version.
func (c *crashFixture) reset(t *testing.T) {
	var recs []string
	for _, n := range c.names {
		recs = append(recs, fmt.Sprintf("%q: {\"version\": %q, \"commit\": %q, \"status\": \"pass\"}", n, crashOld, c.old[n]))
	}
	writeTestFile(t, c.state, "{\"schema\": 1, \"recipes\": {"+strings.Join(recs, ", ")+"}}\n")
}

// check reads the state: it parses, and each recipe is old or new (all new
// when promoted is true). It returns how many are new.
func (c *crashFixture) check(t *testing.T, promoted bool) int {
	t.Helper()
	var st struct{ Recipes map[string]*sweep.Record }
	b, err := os.ReadFile(c.state)
	if err == nil {
		err = json.Unmarshal(b, &st)
	}
	if err != nil {
		t.Errorf("state after kill: %v", err)
		return -1
	}
	promotedN := 0
	for _, n := range c.names {
		r := st.Recipes[n]
		switch {
		case r == nil:
			t.Errorf("%s: record lost", n)
		case r.Version == crashNew && r.Commit == c.new[n]:
			promotedN++
		case r.Version == crashOld && r.Commit == c.old[n] && !promoted:
		default:
			t.Errorf("%s: canonical %s at %s, want old %s or new %s", n, r.Version, r.Commit, c.old[n], c.new[n])
		}
	}
	return promotedN
}

// checkLockFree: nothing holds the run-active lock once the sweep is gone.
// It polls: a child the sweep was forking when it was killed holds a copy
// of the descriptor until its parent-death signal ends it, a moment later.
func (c *crashFixture) checkLockFree(t *testing.T) {
	t.Helper()
	path := ccci.RunActivePath(filepath.Join(c.dir, "lock"))
	var err error
	proctest.Eventually(proctest.Wait, func() bool {
		var l *ccci.Lock
		if l, err = ccci.TryLock(path); err == nil {
			l.Unlock()
		}
		return err == nil
	})
	if err != nil {
		t.Errorf("run-active lock after the kill: %v", err)
	}
}

// checkNoneLeft: every process a test left behind is gone (SIGKILL is
// delivered at once, but a process is reaped a moment later).
func (c *crashFixture) checkNoneLeft(t *testing.T) {
	t.Helper()
	entries, _ := os.ReadDir(filepath.Join(c.dir, "pids"))
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if !proctest.Eventually(proctest.Wait, func() bool { return !proctest.Alive(pid) }) {
			p := "/proc/" + strconv.Itoa(pid)
			out, _ := exec.Command("sh", "-c", "tr '\\0' ' ' <"+p+"/cmdline; echo; tr '\\0' '\\n' <"+p+"/environ | grep CCCI; cat "+p+"/cgroup; grep -E 'State|PPid' "+p+"/status; ls -la "+c.dir+"/lock/active; cat "+c.dir+"/lock/active/*").CombinedOutput()
			t.Errorf("process %d a killed run left is alive:\n%s", pid, out)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		_ = os.Remove(filepath.Join(c.dir, "pids", e.Name()))
	}
}

func writeTestFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o755); err != nil {
		t.Fatal(err)
	}
}
