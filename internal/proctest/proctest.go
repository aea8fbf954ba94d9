// Package proctest helps tests that start real processes: the test binary
// runs as its own helper process (Main, Helper), and tests wait for what
// processes do with a deadline instead of a fixed sleep (Eventually): a
// fixed sleep is too short on a loaded machine (TestExecSamePID failed 19
// of 20 runs under -race on two busy cores) and too long everywhere else.
package proctest

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// HelperEnv names the variable that makes a test binary run as a helper
// process; its value is the helper's argument.
const HelperEnv = "PROCTEST_HELPER"

// Main is the body of a package's TestMain: in a process started by
// Helper it exits with helper's result for the argument; otherwise it
// runs the tests.
func Main(m *testing.M, helper func(arg string) int) {
	if arg := os.Getenv(HelperEnv); arg != "" {
		os.Exit(helper(arg))
	}
	os.Exit(m.Run())
}

// Helper returns a command that runs the test binary as a helper process
// with arg (see Main), the variables extra ("NAME=value"), and a TMPDIR of
// t's own, so that whatever a killed helper leaves there goes with the
// test.
func Helper(t testing.TB, arg string, extra ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), HelperEnv+"="+arg, "TMPDIR="+t.TempDir())
	cmd.Env = append(cmd.Env, extra...)
	return cmd
}

// Wait is the deadline tests give another process: a loaded machine is
// slow, never that slow.
const Wait = 10 * time.Second

// Eventually polls cond every few milliseconds until it holds or d has
// passed, and says whether it held.
func Eventually(d time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(d); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}

// Alive reports whether pid is a live process: not gone, not a zombie
// waiting to be reaped.
func Alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	_, after, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(after, "Z") && !strings.HasPrefix(after, "X")
}

// Comm is the name pid runs (/proc/PID/comm), "" when it is gone.
func Comm(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	return strings.TrimSpace(string(b))
}

// StartChild starts cmd, a parent that starts a child and prints the
// child's PID as its first line, and returns that PID. When cmd prints
// no PID, it is killed and waited for.
func StartChild(cmd *exec.Cmd) (int, error) {
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return 0, fmt.Errorf("%s printed %q, not a PID", cmd.Path, line)
	}
	return pid, nil
}
