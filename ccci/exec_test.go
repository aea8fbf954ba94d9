package ccci

import (
	"bufio"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestExecSamePID: the job replaces the process (same PID) and gets the
// declared environment plus the extra entries, nothing else.
func TestExecSamePID(t *testing.T) {
	cmd := helperCmd(t, "exec env", "KEEP=1", "SECRET_TOKEN=s3cret")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("exec env: %v\n%s", err, out)
	}
	got := strings.Fields(string(out))
	slices.Sort(got)
	want := []string{"EXTRA=x", "KEEP=1", "PATH=/usr/bin:/bin"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("job environment = %q, want %q", got, want)
	}

	// The helper's PID comes to run sleep: exec in place, no child.
	cmd = helperCmd(t, "exec sleep 1000")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	pid := cmd.Process.Pid
	if !eventually(func() bool { return comm(pid) == "sleep" }) {
		t.Errorf("PID %d runs %q, want sleep (exec in place)", pid, comm(pid))
	}
}

func TestExecStatusAndMissing(t *testing.T) {
	cmd := helperCmd(t, "exec false")
	if err := cmd.Run(); cmd.ProcessState.ExitCode() != 1 {
		t.Errorf("exec false: %v, want exit status 1", err)
	}
	cmd = helperCmd(t, "exec no-such-tool-here")
	out, _ := cmd.Output()
	if cmd.ProcessState.ExitCode() == 0 || !strings.Contains(string(out), "no-such-tool-here") {
		t.Errorf("exec no-such-tool-here: exit %d, %q; want an error naming the tool", cmd.ProcessState.ExitCode(), out)
	}
}

// TestExecParentDeath: when the parent (a shell, like Drone's) is killed,
// the job gets SIGTERM (PR_SET_PDEATHSIG).
func TestExecParentDeath(t *testing.T) {
	sh := exec.Command("bash", "-c", `"$0" & echo $!; wait`, os.Args[0])
	sh.Env = helperCmd(t, "exec sleep 1000").Env
	stdout, _ := sh.StdoutPipe()
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("shell printed %q", line)
	}
	defer syscall.Kill(pid, syscall.SIGKILL)
	// Kill the parent only once the job runs: the helper sets the
	// parent-death signal just before exec.
	if !eventually(func() bool { return comm(pid) == "sleep" }) {
		t.Fatalf("helper %d never exec'd sleep (runs %q)", pid, comm(pid))
	}
	sh.Process.Kill()
	sh.Wait()
	if !eventually(func() bool { return !alive(pid) }) {
		t.Errorf("job %d survived its parent's death", pid)
	}
}

// comm is the name pid runs, "" when it is gone.
func comm(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	return strings.TrimSpace(string(b))
}

func TestSetenv(t *testing.T) {
	tests := []struct {
		environ, kvs, want []string
	}{
		{[]string{"A=1", "B=2"}, nil, []string{"A=1", "B=2"}},
		{[]string{"A=1", "B=2"}, []string{"C=3"}, []string{"A=1", "B=2", "C=3"}},
		{[]string{"A=1", "B=2"}, []string{"A=9"}, []string{"B=2", "A=9"}},
		{[]string{"A=1", "A=2"}, []string{"A="}, []string{"A="}},
		{nil, []string{"X=1", "X=2"}, []string{"X=2"}},
	}
	for _, tt := range tests {
		got := setenv(slices.Clone(tt.environ), tt.kvs...)
		if !slices.Equal(got, tt.want) {
			t.Errorf("setenv(%q, %q) = %q, want %q", tt.environ, tt.kvs, got, tt.want)
		}
	}
}
