package scripttest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestScripts runs testdata/*.txtar, which use every command.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata",
		Setup:               Setup,
		Cmds:                Commands(),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
	})
}

// TestWaitWritten: an empty file is written once no process has it open.
func TestWaitWritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if waitWritten(path, 20*time.Millisecond) {
		t.Errorf("waitWritten(missing file) = true")
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if waitWritten(path, 20*time.Millisecond) {
		t.Errorf("waitWritten(empty file open here) = true")
	}
	if _, err := f.WriteString("1\n"); err != nil {
		t.Fatal(err)
	}
	if !waitWritten(path, 0) {
		t.Errorf("waitWritten(non-empty file open here) = false")
	}
	if err := f.Truncate(0); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if !waitWritten(path, 0) {
		t.Errorf("waitWritten(empty closed file) = false")
	}
}
