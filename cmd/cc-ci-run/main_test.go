package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"coopcloud.tech/cc-ci/internal/proctest"
	"coopcloud.tech/cc-ci/internal/scripttest"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"cc-ci-run": main})
}

// TestScripts runs testdata/*.txtar, with the commands of scripttest and
//
//	settle FILE...   wait until each FILE is older than the cache's racy window
//
// and the condition [root] (the script runs as root, so it can plant
// files as another user with setpriv).
func TestScripts(t *testing.T) {
	cmds := scripttest.Commands()
	cmds["settle"] = cmdSettle
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata",
		Setup:               setup,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Cmds:                cmds,
		Condition: func(cond string) (bool, error) {
			if cond == "root" {
				return os.Geteuid() == 0, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
	})
}

// cmdSettle waits (polling, at most 10 s) until each file's ctime and
// mtime are more than a second old: only then does the env cache record
// what it learnt about the file (its racy window), so a script can see a
// second run take a version from the cache.
func cmdSettle(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: settle FILE...")
	}
	for _, file := range args {
		ts.Check(waitSettled(ts.MkAbs(file)))
	}
}

// waitSettled waits (polling, at most proctest.Wait) until path's ctime
// and mtime are more than a second old, past the env cache's racy window.
func waitSettled(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	st := fi.Sys().(*syscall.Stat_t)
	newest := time.Unix(max(st.Ctim.Sec, st.Mtim.Sec)+1, max(st.Ctim.Nsec, st.Mtim.Nsec)).Add(100 * time.Millisecond)
	if !proctest.Eventually(proctest.Wait, func() bool { return time.Now().After(newest) }) {
		return fmt.Errorf("%s: its time is in the future", path)
	}
	return nil
}

// setup is scripttest.Setup, and sets $BINDIR, the directory testscript
// put cc-ci-run in, so that a script can run it with a PATH of its own.
func setup(e *testscript.Env) error {
	if err := scripttest.Setup(e); err != nil {
		return err
	}
	if os.Geteuid() == 0 { // let a second user (setpriv) into $WORK
		if err := os.Chmod(filepath.Dir(e.WorkDir), 0o755); err != nil {
			return err
		}
	}
	for _, dir := range filepath.SplitList(e.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(dir, "cc-ci-run")); err == nil {
			e.Setenv("BINDIR", dir)
			return nil
		}
	}
	return errors.New("cc-ci-run not found on the script's PATH")
}
