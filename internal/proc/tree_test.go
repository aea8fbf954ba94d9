package proc

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"coopcloud.tech/cc-ci/internal/proctest"
)

func TestParseStat(t *testing.T) {
	line := "4242 (a) (b c) S 17 4242 4242 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 987654 1 1\n"
	st, err := parseStat(4242, []byte(line))
	want := Stat{PID: 4242, PPID: 17, PGID: 4242, State: 'S', Start: 987654}
	if err != nil || st != want {
		t.Errorf("parseStat = %+v, %v; want %+v", st, err, want)
	}
	for _, bad := range []string{"4242 (a S 1 2", "4242 (a) S x 2 3", "4242 (a) S 1 2"} {
		if _, err := parseStat(4242, []byte(bad)); err == nil {
			t.Errorf("parseStat(%q) succeeded", bad)
		}
	}
}

func TestID(t *testing.T) {
	self := Self()
	if self.PID() != os.Getpid() || !self.Alive() {
		t.Errorf("Self() = %s: PID %d, alive %v; want %d, true", self, self.PID(), self.Alive(), os.Getpid())
	}
	if self.IsAncestor() {
		t.Errorf("Self().IsAncestor() = true: a process is not its own ancestor")
	}
	for _, id := range []ID{"", "x", "0.1", ID(strconv.Itoa(os.Getpid()) + ".1")} {
		if id.Alive() || id.IsAncestor() {
			t.Errorf("ID %q: alive or ancestor", id)
		}
	}
	st, err := ReadStat(os.Getppid())
	if err != nil {
		t.Fatal(err)
	}
	if !IDOf(st).IsAncestor() {
		t.Errorf("the parent %s is not an ancestor", IDOf(st))
	}
}

// startTree starts a job, marked with MARK=<mark>, that leaves a
// background child in its group (a), one that left the group with setsid
// (b), and an orphan that left it and dropped its environment (c, by a
// double fork); it returns the job and the three PIDs.
func startTree(t *testing.T, mark string, start func(*exec.Cmd) error) (*exec.Cmd, []int) {
	t.Helper()
	dir := t.TempDir()
	script := `sleep 1000 & echo $! > ` + dir + `/a.new && mv ` + dir + `/a.new ` + dir + `/a
setsid sh -c 'sleep 1001 & echo $! > ` + dir + `/b.new && mv ` + dir + `/b.new ` + dir + `/b; wait' &
setsid sh -c 'echo $$ > ` + dir + `/p; env -i /bin/sleep 1002 & echo $! > ` + dir + `/c.new && mv ` + dir + `/c.new ` + dir + `/c'
wait`
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Env = append(os.Environ(), "MARK="+mark)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := start(cmd); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Wait() })
	var pids []int
	for _, name := range []string{"a", "b", "c"} {
		path := filepath.Join(dir, name)
		if !proctest.Eventually(proctest.Wait, func() bool { _, err := os.Stat(path); return err == nil }) {
			t.Fatalf("%s never written", path)
		}
		b, _ := os.ReadFile(path)
		pid, err := strconv.Atoi(string(b[:len(b)-1]))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
		pids = append(pids, pid)
	}
	// c is an orphan only once the shell that started it has exited, and
	// has dropped its environment only once env has exec'd sleep.
	b, _ := os.ReadFile(filepath.Join(dir, "p"))
	if p, err := strconv.Atoi(strings.TrimSpace(string(b))); err != nil || !gone(p) {
		t.Fatalf("the shell that started c (%q) did not exit: %v", b, err)
	}
	if !proctest.Eventually(proctest.Wait, func() bool { return proctest.Comm(pids[2]) == "sleep" }) {
		t.Fatalf("c (%d) never became sleep", pids[2])
	}
	return cmd, pids
}

func gone(pid int) bool {
	return proctest.Eventually(proctest.Wait, func() bool { return !proctest.Alive(pid) })
}

// TestTreeKill: the group, its descendants and the marked processes go;
// a process that left the group and dropped its environment (c) is beyond
// a Tree, and an unrelated process stays.
func TestTreeKill(t *testing.T) {
	other := exec.Command("sleep", "1000")
	other.Env = append(os.Environ(), "MARK=other")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	defer other.Wait()
	defer other.Process.Kill()
	cmd, pids := startTree(t, "tree", (*exec.Cmd).Start)
	n, err := Tree{PGID: cmd.Process.Pid, Mark: "MARK=tree"}.Kill()
	// How many it counts depends on the order of the kills (a shell whose
	// child died may exit before its own SIGKILL): what counts is below.
	if err != nil || n == 0 {
		t.Errorf("Kill = %d, %v; want some killed, no error", n, err)
	}
	for i, pid := range pids[:2] {
		if !gone(pid) {
			t.Errorf("process %c (%d) survived", 'a'+i, pid)
		}
	}
	if !proctest.Alive(pids[2]) {
		t.Errorf("process c, without the mark and outside the group, was killed: the test proves nothing")
	}
	if !proctest.Alive(other.Process.Pid) {
		t.Errorf("an unrelated process was killed")
	}
}

// TestCgroupKill: a job started in a cgroup loses everything, c too.
func TestCgroupKill(t *testing.T) {
	cg, err := PlanCgroup("cc-ci-test-" + strconv.Itoa(os.Getpid()))
	if errors.Is(err, ErrNoCgroup) {
		t.Skipf("no cgroup to test with: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := cg.Make(); err != nil {
		t.Skipf("no cgroup to test with: %v", err)
	}
	defer cg.Remove()
	_, pids := startTree(t, "cg", cg.Start)
	if err := cg.Kill(proctest.Wait); err != nil {
		t.Fatal(err)
	}
	for i, pid := range pids {
		if !gone(pid) {
			t.Errorf("process %c (%d) survived its cgroup's kill", 'a'+i, pid)
		}
	}
	if err := cg.Remove(); err != nil {
		t.Errorf("Remove after Kill: %v", err)
	}
}
