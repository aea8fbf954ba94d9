package scripttest

import (
	"os"
	"path/filepath"

	"github.com/rogpeppe/go-internal/testscript"

	"coopcloud.tech/cc-ci/internal/gittest"
)

// scriptTB is a script as a gittest.TB: a failure stops the script, and
// temporary directories are under $WORK/.tmp, removed with it.
type scriptTB struct{ ts *testscript.TestScript }

func (s scriptTB) Helper() {}

func (s scriptTB) Fatalf(format string, args ...any) { s.ts.Fatalf(format, args...) }

func (s scriptTB) TempDir() string {
	dir, err := os.MkdirTemp(filepath.Join(s.ts.Getenv("WORK"), ".tmp"), "gittest-")
	s.ts.Check(err)
	return dir
}

// mkrecipe DIR [TAG...]
func cmdMkrecipe(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: mkrecipe DIR [TAG...]")
	}
	gittest.Repo(scriptTB{ts}, ts.MkAbs(args[0]), args[1:]...)
}

// advance DIR
func cmdAdvance(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: advance DIR")
	}
	gittest.Advance(scriptTB{ts}, ts.MkAbs(args[0]))
}

// tagcommit DIR TAG VAR
func cmdTagcommit(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: tagcommit DIR TAG VAR")
	}
	ts.Setenv(args[2], gittest.Run(scriptTB{ts}, ts.MkAbs(args[0]), "rev-parse", args[1]+"^{commit}"))
}
