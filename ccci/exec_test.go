package ccci

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"

	"coopcloud.tech/cc-ci/internal/proctest"
)

// TestExecSamePID: the job replaces the process (same PID) and gets the
// declared environment plus the extra entries, nothing else.
func TestExecSamePID(t *testing.T) {
	cmd := proctest.Helper(t, "exec env", "KEEP=1", "SECRET_TOKEN=s3cret")
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
	cmd = proctest.Helper(t, "exec sleep 1000")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	pid := cmd.Process.Pid
	if !proctest.Eventually(proctest.Wait, func() bool { return proctest.Comm(pid) == "sleep" }) {
		t.Errorf("PID %d runs %q, want sleep (exec in place)", pid, proctest.Comm(pid))
	}
}

func TestExecStatusAndMissing(t *testing.T) {
	cmd := proctest.Helper(t, "exec false")
	if err := cmd.Run(); cmd.ProcessState.ExitCode() != 1 {
		t.Errorf("exec false: %v, want exit status 1", err)
	}
	cmd = proctest.Helper(t, "exec no-such-tool-here")
	out, _ := cmd.Output()
	if cmd.ProcessState.ExitCode() == 0 || !strings.Contains(string(out), "no-such-tool-here") {
		t.Errorf("exec no-such-tool-here: exit %d, %q; want an error naming the tool", cmd.ProcessState.ExitCode(), out)
	}
}

// TestExecParentDeath: when the parent (a shell, like Drone's) is killed,
// the job gets SIGTERM (PR_SET_PDEATHSIG).
func TestExecParentDeath(t *testing.T) {
	sh := exec.Command("bash", "-c", `"$0" & echo $!; wait`, os.Args[0])
	sh.Env = proctest.Helper(t, "exec sleep 1000").Env
	pid, err := proctest.StartChild(sh)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(pid, syscall.SIGKILL)
	// Kill the parent only once the job runs: the helper sets the
	// parent-death signal just before exec.
	if !proctest.Eventually(proctest.Wait, func() bool { return proctest.Comm(pid) == "sleep" }) {
		t.Fatalf("helper %d never exec'd sleep (runs %q)", pid, proctest.Comm(pid))
	}
	sh.Process.Kill()
	sh.Wait()
	if !proctest.Eventually(proctest.Wait, func() bool { return !proctest.Alive(pid) }) {
		t.Errorf("job %d survived its parent's death", pid)
	}
}
