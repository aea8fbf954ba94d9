package ccci

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"coopcloud.tech/cc-ci/ccci/env"
	"coopcloud.tech/cc-ci/internal/proc"
	"coopcloud.tech/cc-ci/internal/proctest"
	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) { proctest.Main(m, helper) }

// helper runs in a child process: "hold-ex PATH" / "hold-sh PATH" take
// the lock, print "locked" and hold it until stdin closes; "holds
// LOCKDIR" prints SweepHoldsRunLock's answer; "exec ARGV" calls Exec.
func helper(h string) int {
	verb, arg, _ := strings.Cut(h, " ")
	switch verb {
	case "hold-ex", "hold-sh":
		try := TryRLock
		if verb == "hold-ex" {
			try = TryLock
		}
		l, err := try(arg)
		if err != nil {
			fmt.Println(err)
			return 1
		}
		fmt.Println("locked")
		_, _ = io.Copy(io.Discard, os.Stdin)
		_ = l.Unlock()
		return 0
	case "holds":
		fmt.Println(SweepHoldsRunLock(arg, os.Getenv))
		return 0
	case "exec": // exec_test.go
		e, err := env.Resolve(env.Spec{Path: []string{"/usr/bin", "/bin"}, Pass: []string{"KEEP"}})
		if err == nil {
			err = Exec(e, strings.Fields(arg), os.Environ(), "EXTRA=x")
		}
		fmt.Println(err)
		return ExitCode(err)
	}
	return 2
}

// holder is a helper process holding a lock until release.
type holder struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	once  sync.Once
}

func hold(t *testing.T, path string, exclusive bool) *holder {
	t.Helper()
	verb := "hold-sh"
	if exclusive {
		verb = "hold-ex"
	}
	cmd := proctest.Helper(t, verb+" "+path)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if line != "locked\n" {
		t.Fatalf("helper %s %s: %q", verb, path, line)
	}
	h := &holder{cmd: cmd, stdin: stdin}
	t.Cleanup(h.release)
	return h
}

func (h *holder) release() {
	h.once.Do(func() {
		h.stdin.Close()
		_ = h.cmd.Wait()
	})
}

// flockCLI runs util-linux flock -n with the given mode flag ("-x"/"-s").
func flockCLI(path, mode string) error {
	return exec.Command("flock", "-n", mode, path, "true").Run()
}

func TestTryLockBetweenProcesses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "locks")
	path := RunActivePath(dir)
	h := hold(t, path, true)

	_, err := TryRLock(path)
	var le *LockedError
	if !errors.As(err, &le) || le.PID != h.cmd.Process.Pid {
		t.Fatalf("TryLock(%q) while PID %d holds it = %v, want *LockedError naming that PID", path, h.cmd.Process.Pid, err)
	}
	if err := flockCLI(path, "-s"); err == nil {
		t.Errorf("flock -n -s %s succeeded while the lock is held exclusively", path)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o660 {
		t.Errorf("lock file mode = %v (%v), want 0660", fi.Mode().Perm(), err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o770 {
		t.Errorf("lock dir mode = %v (%v), want 0770", fi.Mode().Perm(), err)
	}

	h.release()
	l, err := TryRLock(path)
	if err != nil {
		t.Fatalf("TryRLock(%q) after release: %v", path, err)
	}
	if pid := LockHolder(path); pid != 0 {
		t.Errorf("LockHolder(%q) after release = %d, want 0", path, pid)
	}
	if err := flockCLI(path, "-x"); err == nil {
		t.Errorf("flock -n -x %s succeeded while we hold it shared", path)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := flockCLI(path, "-x"); err != nil {
		t.Errorf("flock -n -x %s after Unlock: %v", path, err)
	}
}

func TestSharedLocks(t *testing.T) {
	path := SweepLockPath(t.TempDir())
	hold(t, path, false)
	l, err := TryRLock(path)
	if err != nil {
		t.Fatalf("TryRLock(%q) beside a shared holder: %v", path, err)
	}
	defer l.Unlock()
	_, err = TryLock(path)
	var le *LockedError
	if !errors.As(err, &le) || le.PID != 0 {
		t.Errorf("TryLock(%q) beside shared holders = %v, want *LockedError without PID", path, err)
	}
}

func TestWaitLock(t *testing.T) {
	path := SweepLockPath(t.TempDir())
	h := hold(t, path, true)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := WaitLock(ctx, path)
	if !errors.Is(err, ErrLocked) || !errors.Is(err, context.DeadlineExceeded) || ExitCode(err) != ExitBusy {
		t.Errorf("WaitLock past its deadline = %v, want ErrLocked and DeadlineExceeded (exit 75)", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if _, err := WaitRLock(ctx, path); !errors.Is(err, ErrLocked) || ExitCode(err) != ExitInterrupted {
		t.Errorf("WaitRLock(cancelled) = %v, want ErrLocked and context.Canceled (exit 130)", err)
	}

	go func() { time.Sleep(30 * time.Millisecond); h.release() }()
	l, err := WaitLock(context.Background(), path)
	if err != nil {
		t.Fatalf("WaitLock(%q) while the holder releases: %v", path, err)
	}
	if pid := LockHolder(path); pid != os.Getpid() {
		t.Errorf("LockHolder(%q) = %d, want our PID %d", path, pid, os.Getpid())
	}
	l.Unlock()
}

func TestInheritKeepsLockInChild(t *testing.T) {
	path := RunActivePath(t.TempDir())
	l, err := TryRLock(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Inherit(); err != nil {
		t.Fatal(err)
	}
	child := exec.Command("sleep", "30")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { child.Process.Kill(); child.Wait() }()
	l.File().Close() // close without LOCK_UN: the child's copy keeps the lock
	if err := flockCLI(path, "-x"); err == nil {
		t.Errorf("flock -n -x %s succeeded while a child holds the inherited lock", path)
	}
	child.Process.Kill()
	child.Wait()
	if err := flockCLI(path, "-x"); err != nil {
		t.Errorf("flock -n -x %s after the child died: %v", path, err)
	}
}

// TestSweepHoldsRunLock: a child believes CCCI_RUN_LOCK only when it
// names an ancestor that holds the run-active lock exclusively now.
func TestSweepHoldsRunLock(t *testing.T) {
	lockdir := t.TempDir()
	path := RunActivePath(lockdir)
	holds := func(value string) string {
		t.Helper()
		out, err := proctest.Helper(t, "holds "+lockdir, RunLockEnv+"="+value).Output()
		if err != nil {
			t.Fatalf("helper: %v", err)
		}
		return strings.TrimSpace(string(out))
	}
	self := string(proc.Self())
	if got := holds(self); got != "false" {
		t.Errorf("lock free: SweepHoldsRunLock = %s, want false", got)
	}
	l, err := TryLock(path)
	if err != nil {
		t.Fatal(err)
	}
	pid, _, _ := strings.Cut(self, ".")
	for _, tt := range []struct{ name, value, want string }{
		{"this process, holding it", self, "true"},
		{"no variable", "", "false"},
		{"garbage", "three", "false"},
		{"this PID, another start time", pid + ".1", "false"},
	} {
		if got := holds(tt.value); got != tt.want {
			t.Errorf("%s: SweepHoldsRunLock(%s=%q) = %s, want %s", tt.name, RunLockEnv, tt.value, got, tt.want)
		}
	}
	l.Unlock()

	// A process that holds the lock but is no ancestor: a CI job naming a
	// sweep it does not belong to is not believed.
	h := hold(t, path, true)
	defer h.release()
	st, err := proc.ReadStat(h.cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if got := holds(string(proc.IDOf(st))); got != "false" {
		t.Errorf("a holder that is not an ancestor: SweepHoldsRunLock = %s, want false", got)
	}
}

func TestAcquireRunActive(t *testing.T) {
	lockdir := t.TempDir()
	h := hold(t, RunActivePath(lockdir), true)

	var said []string
	say := func(s string) { said = append(said, s) }
	l, err := AcquireRunActive(context.Background(), lockdir, 30*time.Millisecond, say)
	var le *LockedError
	if l != nil || !errors.As(err, &le) || le.PID != h.cmd.Process.Pid || len(said) != 1 || !strings.Contains(said[0], "waiting up to 30ms") {
		t.Errorf("AcquireRunActive while a sweep holds it = %v, %v, said %q; want nil, the holder's *LockedError, a reason", l, err, said)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := AcquireRunActive(ctx, lockdir, time.Minute, nil); ExitCode(err) != ExitInterrupted {
		t.Errorf("AcquireRunActive(cancelled) = %v, want an error with exit code 130", err)
	}

	h.release()
	said = nil
	l, err = AcquireRunActive(context.Background(), lockdir, time.Minute, say)
	if err != nil || l == nil || len(said) != 0 {
		t.Fatalf("AcquireRunActive when free = %v, %v, said %q", l, err, said)
	}
	defer l.Unlock()
	if flags, err := unix.FcntlInt(l.File().Fd(), unix.F_GETFD, 0); err != nil || flags&unix.FD_CLOEXEC != 0 {
		t.Errorf("run-active lock fd flags = %#x (%v), want close-on-exec cleared", flags, err)
	}
}
