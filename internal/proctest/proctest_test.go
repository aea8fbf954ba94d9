package proctest

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

func TestAliveAndComm(t *testing.T) {
	if !Alive(os.Getpid()) || Comm(os.Getpid()) == "" {
		t.Errorf("Alive(self) = %v, Comm(self) = %q; want true and a name", Alive(os.Getpid()), Comm(os.Getpid()))
	}
	cmd := exec.Command("sleep", "1000")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	pid := cmd.Process.Pid
	if !Eventually(Wait, func() bool { return Comm(pid) == "sleep" }) {
		t.Errorf("Comm(%d) = %q, want sleep", pid, Comm(pid))
	}
	cmd.Process.Kill()
	if !Eventually(Wait, func() bool { return !Alive(pid) }) {
		t.Errorf("Alive(%d) = true for a killed child not yet reaped (a zombie)", pid)
	}
	cmd.Wait()
	if Alive(pid) || Comm(pid) != "" {
		t.Errorf("Alive(%d), Comm = %v, %q after Wait; want false, \"\"", pid, Alive(pid), Comm(pid))
	}
}

func TestEventually(t *testing.T) {
	n := 0
	if !Eventually(Wait, func() bool { n++; return n == 3 }) || n != 3 {
		t.Errorf("Eventually stopped after %d calls, want 3", n)
	}
	start := time.Now()
	if Eventually(20*time.Millisecond, func() bool { return false }) {
		t.Errorf("Eventually(never) = true")
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Errorf("Eventually(never) gave up after %v, before its 20ms", d)
	}
}

func TestStartChild(t *testing.T) {
	cmd := exec.Command("sh", "-c", `sleep 1000 & echo $!; wait`)
	pid, err := StartChild(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	defer syscall.Kill(pid, syscall.SIGKILL)
	if pid == cmd.Process.Pid || !Eventually(Wait, func() bool { return Comm(pid) == "sleep" }) {
		t.Errorf("StartChild = %d (parent %d) running %q, want the sleep child", pid, cmd.Process.Pid, Comm(pid))
	}
	if _, err := StartChild(exec.Command("echo", "no pid")); err == nil {
		t.Errorf("StartChild(echo no pid) = nil error")
	}
}
