package proc

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"coopcloud.tech/cc-ci/internal/proctest"
)

func TestMain(m *testing.M) { proctest.Main(m, helper) }

// helper runs in a child process: "parent SIG" starts sleep 1000 with
// ParentDeath SIG (a number, 0 for none), prints its PID and waits for it.
func helper(h string) int {
	sig, err := strconv.Atoi(strings.TrimPrefix(h, "parent "))
	if err != nil {
		return 2
	}
	cmd := Command(context.Background(), "/bin/sh", []string{"sh", "-c", "exec sleep 1000"}, nil,
		Options{ParentDeath: syscall.Signal(sig)})
	if err := cmd.Start(); err != nil {
		return 1
	}
	os.Stdout.WriteString(strconv.Itoa(cmd.Process.Pid) + "\n")
	_ = cmd.Wait()
	return 0
}

// pids waits until the file holds n PIDs and returns them; each is
// SIGKILLed when the test ends, so a failure leaves nothing behind.
func pids(t *testing.T, path string, n int) []int {
	t.Helper()
	var got []int
	ok := proctest.Eventually(proctest.Wait, func() bool {
		b, _ := os.ReadFile(path)
		got = got[:0]
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil {
				got = append(got, pid)
			}
		}
		return len(got) >= n
	})
	if !ok {
		t.Fatalf("%s never held %d PIDs", path, n)
	}
	for _, pid := range got {
		t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	}
	return got
}

func bash(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	return path
}

func TestCancelStopsGroup(t *testing.T) {
	tests := []struct {
		name, script string
		grace        time.Duration
	}{
		// SIGTERM is enough: the group dies at once.
		{"polite", `sleep 1000 & echo $! >> "$1"; sleep 1000 & echo $! >> "$1"; echo $$ >> "$1"; wait`, time.Minute},
		// Everything ignores SIGTERM: SIGKILL after grace.
		{"stubborn", `trap "" TERM; sleep 1000 & echo $! >> "$1"; (trap "" TERM; sleep 1000) & echo $! >> "$1"; echo $$ >> "$1"; wait; wait`, 200 * time.Millisecond},
		// No grace: SIGKILL at once.
		{"no grace", `trap "" TERM; sleep 1000 & echo $! >> "$1"; sleep 1000 & echo $! >> "$1"; echo $$ >> "$1"; wait`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pidfile := filepath.Join(t.TempDir(), "pids")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			cmd := Command(ctx, bash(t), []string{"bash", "-c", tt.script, "_", pidfile}, nil, Options{Grace: tt.grace})
			cmd.Stdout = new(strings.Builder) // a pipe the background children keep open
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			group := pids(t, pidfile, 3)
			cancel()
			if err := cmd.Wait(); err == nil {
				t.Errorf("Wait after cancel = nil, want the job killed")
			}
			for _, pid := range group {
				if !proctest.Eventually(proctest.Wait, func() bool { return !proctest.Alive(pid) }) {
					t.Errorf("process %d of the job's group is still alive", pid)
				}
			}
		})
	}
}

// TestWaitDelay: a process that left the group keeps the output pipe
// open; Wait still returns, about the grace (one second without one)
// after the context ends.
func TestWaitDelay(t *testing.T) {
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("no setsid")
	}
	pidfile := filepath.Join(t.TempDir(), "pids")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := Command(ctx, bash(t), []string{"bash", "-c", `setsid sh -c 'echo $$ >> "$1"; exec sleep 1000' _ "$1" & exec sleep 1000`, "_", pidfile}, nil, Options{})
	cmd.Stdout = new(strings.Builder)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	escaped := pids(t, pidfile, 1)[0]
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		syscall.Kill(escaped, syscall.SIGKILL)
		t.Fatal("Wait did not return while a process outside the group holds its stdout")
	}
	if !proctest.Alive(escaped) {
		t.Errorf("PID %d outside the group died: the test proves nothing", escaped)
	}
}

func TestKillGroupAfterExit(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "pids")
	cmd := Command(context.Background(), bash(t), []string{"bash", "-c", `sleep 1000 >/dev/null & echo $! > "$1"`, "_", pidfile}, nil, Options{Grace: time.Second})
	if err := KillGroup(cmd); err != nil {
		t.Errorf("KillGroup before Start = %v, want nil", err)
	}
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	pid := pids(t, pidfile, 1)[0]
	if !proctest.Alive(pid) {
		t.Fatalf("background child %d died by itself; the test proves nothing", pid)
	}
	if err := KillGroup(cmd); err != nil {
		t.Fatal(err)
	}
	if !proctest.Eventually(proctest.Wait, func() bool { return !proctest.Alive(pid) }) {
		t.Errorf("KillGroup left background child %d alive", pid)
	}
	if err := KillGroup(cmd); err != nil {
		t.Errorf("KillGroup on a group that is gone = %v, want nil", err)
	}
}

// TestParentDeath: with ParentDeath the leader dies with the process that
// started it (a sweep killed with -9); without, it survives.
func TestParentDeath(t *testing.T) {
	for _, tt := range []struct {
		sig      syscall.Signal
		survives bool
	}{{syscall.SIGKILL, false}, {0, true}} {
		parent := proctest.Helper(t, "parent "+strconv.Itoa(int(tt.sig)))
		pid, err := proctest.StartChild(parent)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
		parent.Process.Kill()
		parent.Wait()
		wait := proctest.Wait
		if tt.survives { // the signal comes at once or not at all: a moment is enough
			wait = 200 * time.Millisecond
		}
		died := proctest.Eventually(wait, func() bool { return !proctest.Alive(pid) })
		if died == tt.survives {
			t.Errorf("ParentDeath %d: leader %d died = %v after its parent was killed, want %v", tt.sig, pid, died, !tt.survives)
		}
	}
}

func TestCommandAttributes(t *testing.T) {
	cmd := Command(context.Background(), "/bin/true", []string{"true", "x"}, []string{"A=1"}, Options{Grace: 3 * time.Second, ParentDeath: syscall.SIGTERM})
	if cmd.Path != "/bin/true" || strings.Join(cmd.Args, " ") != "true x" || strings.Join(cmd.Env, " ") != "A=1" {
		t.Errorf("Command: Path %q, Args %q, Env %q; want /bin/true, [true x], [A=1]", cmd.Path, cmd.Args, cmd.Env)
	}
	if a := cmd.SysProcAttr; a == nil || !a.Setpgid || a.Pdeathsig != syscall.SIGTERM || cmd.WaitDelay != 3*time.Second {
		t.Errorf("Command: SysProcAttr %+v, WaitDelay %v; want Setpgid, Pdeathsig SIGTERM, 3s", a, cmd.WaitDelay)
	}
}
