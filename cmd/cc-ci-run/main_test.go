package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"coopcloud.tech/cc-ci/internal/scripttest"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"cc-ci-run": main})
}

// TestScripts runs testdata/*.txtar, with the commands of scripttest.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata",
		Setup:               setup,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Cmds:                scripttest.Commands(),
	})
}

// setup is scripttest.Setup, and sets $BINDIR, the directory testscript
// put cc-ci-run in, so that a script can run it with a PATH of its own.
func setup(e *testscript.Env) error {
	if err := scripttest.Setup(e); err != nil {
		return err
	}
	for _, dir := range filepath.SplitList(e.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(dir, "cc-ci-run")); err == nil {
			e.Setenv("BINDIR", dir)
			return nil
		}
	}
	return errors.New("cc-ci-run not found on the script's PATH")
}
