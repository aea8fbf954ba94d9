package scripttest

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"

	"github.com/rogpeppe/go-internal/testscript"

	"coopcloud.tech/cc-ci/internal/proctest"
)

// waitLimit is how long waitfile, waitgrep and the PIDFILE commands wait,
// unless told.
const waitLimit = proctest.Wait

// exitcode N PROG [ARG...]
func cmdExitcode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N PROG [ARG...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("running %s: %v", args[1], err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// alive PIDFILE
func cmdAlive(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: alive PIDFILE")
	}
	pid := readPID(ts, args[0])
	if !neg {
		if !proctest.Alive(pid) {
			ts.Fatalf("process %d is not running", pid)
		}
		return
	}
	// SIGKILL is delivered at once, but a process is gone a moment later.
	if !proctest.Eventually(waitLimit, func() bool { return !proctest.Alive(pid) }) {
		ts.Fatalf("process %d still running after %s", pid, waitLimit)
	}
}

var signals = map[string]syscall.Signal{"TERM": syscall.SIGTERM, "INT": syscall.SIGINT, "KILL": syscall.SIGKILL}

// signal NAME PIDFILE
func cmdSignal(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 || signals[args[0]] == 0 {
		ts.Fatalf("usage: signal TERM|INT|KILL PIDFILE")
	}
	ts.Check(syscall.Kill(readPID(ts, args[1]), signals[args[0]]))
}

// isparent PIDFILE
func cmdIsparent(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: isparent PIDFILE")
	}
	got, want := readPID(ts, args[0]), os.Getpid()
	if (got == want) == neg {
		ts.Fatalf("%s holds PID %d, this test process is %d", args[0], got, want)
	}
}

// readPID waits until the file is written, then reads the PID it holds.
func readPID(ts *testscript.TestScript, file string) int {
	path := ts.MkAbs(file)
	if !waitWritten(path, waitLimit) {
		ts.Fatalf("%s: not written within %s", file, waitLimit)
	}
	b, err := os.ReadFile(path)
	ts.Check(err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		ts.Fatalf("%s: %v", file, err)
	}
	return pid
}
