package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"cc-ci-run": main})
}

// TestScripts runs testdata/*.txtar. Extra commands:
//
//	exitcode N CMD [ARG...]  run CMD (as exec would); its status must be N
//	expand FILE...           replace $WORK in FILE with the work directory
//	waitfile FILE            wait (up to 10s) until FILE exists and is not empty
//	isparent FILE            FILE holds the PID of this test process
//	signal NAME FILE         send SIGNAME (TERM, INT, KILL) to the PID in FILE
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata",
		Setup:               setup,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"exitcode": cmdExitcode,
			"expand":   cmdExpand,
			"waitfile": cmdWaitfile,
			"isparent": cmdIsparent,
			"signal":   cmdSignal,
		},
	})
}

// setup sets $BINDIR, the directory testscript put cc-ci-run in, so that
// a script can run it with a PATH of its own.
func setup(e *testscript.Env) error {
	for _, dir := range filepath.SplitList(e.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(dir, "cc-ci-run")); err == nil {
			e.Setenv("BINDIR", dir)
			return nil
		}
	}
	return errors.New("cc-ci-run not found on the script's PATH")
}

func cmdExitcode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N CMD [ARG...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		got = ee.ExitCode()
	} else if err != nil {
		ts.Fatalf("%s: %v", args[1], err)
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

func cmdExpand(ts *testscript.TestScript, neg bool, args []string) {
	for _, name := range args {
		p := ts.MkAbs(name)
		b, err := os.ReadFile(p)
		ts.Check(err)
		ts.Check(os.WriteFile(p, []byte(strings.ReplaceAll(string(b), "$WORK", ts.Getenv("WORK"))), 0o644))
	}
}

func cmdWaitfile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: waitfile FILE")
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if fi, err := os.Stat(ts.MkAbs(args[0])); err == nil && fi.Size() > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	ts.Fatalf("%s: still missing or empty after 10s", args[0])
}

func cmdIsparent(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: isparent FILE")
	}
	b, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	got, want := strings.TrimSpace(string(b)), strconv.Itoa(os.Getpid())
	if (got == want) == neg {
		ts.Fatalf("%s holds PID %s, this test process is %s (neg=%v)", args[0], got, want, neg)
	}
}

func cmdSignal(ts *testscript.TestScript, neg bool, args []string) {
	sigs := map[string]syscall.Signal{"TERM": syscall.SIGTERM, "INT": syscall.SIGINT, "KILL": syscall.SIGKILL}
	if len(args) != 2 || sigs[args[0]] == 0 {
		ts.Fatalf("usage: signal TERM|INT|KILL FILE")
	}
	b, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	ts.Check(err)
	ts.Check(syscall.Kill(pid, sigs[args[0]]))
}
