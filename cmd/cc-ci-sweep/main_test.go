package main

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"coopcloud.tech/cc-ci/internal/scripttest"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"cc-ci-sweep": main})
}

// TestScripts runs testdata/*.txtar, with the commands of scripttest: the
// scenarios of issue 4 section 6 with real git repositories, real
// processes and real locks.
func TestScripts(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is needed to make recipe repositories")
	}
	bin := buildCCCIRun(t)
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata",
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			e.Setenv("PATH", filepath.Dir(bin)+string(filepath.ListSeparator)+e.Getenv("PATH"))
			e.Setenv("CCCI_RUN", bin) // for expand's @CCCI_RUN@
			return scripttest.Setup(e)
		},
		Cmds: scripttest.Commands(),
	})
}

// buildCCCIRun builds the real cc-ci-run, for the scripts that start CI
// jobs beside a sweep or as the sweep's run command.
func buildCCCIRun(t *testing.T) string {
	gotool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("building cc-ci-run: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "cc-ci-run")
	out, err := exec.Command(gotool, "build", "-o", bin, "coopcloud.tech/cc-ci/cmd/cc-ci-run").CombinedOutput()
	if err != nil {
		t.Fatalf("building cc-ci-run: %v\n%s", err, out)
	}
	return bin
}
