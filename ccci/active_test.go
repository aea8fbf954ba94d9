package ccci

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"coopcloud.tech/cc-ci/internal/proc"
	"coopcloud.tech/cc-ci/internal/proctest"
)

// marked starts sleep 1000 with CCCI_RUN_ID=id in its environment, in a
// group of its own, killed when the test ends.
func marked(t *testing.T, id string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "1000")
	cmd.Env = append(os.Environ(), VarRunID+"="+id)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}

// TestReapDead: the runs of a live sweep are left alone; those of a dead
// one are ended (by their CCCI_RUN_ID) and returned, once forgotten they
// are gone.
func TestReapDead(t *testing.T) {
	lockdir := t.TempDir()
	live := &ActiveRun{ID: "live", Sweep: proc.Self(), Started: time.Now()}
	dead := &ActiveRun{ID: "dead", Sweep: "2147483647.1", Started: time.Now(), RunDir: "/runs/app/x"}
	for _, r := range []*ActiveRun{live, dead} {
		if err := r.Register(lockdir); err != nil {
			t.Fatal(err)
		}
	}
	liveProc, deadProc := marked(t, "live"), marked(t, "dead")
	got, err := ReapDead(lockdir)
	if err != nil || len(got) != 1 || got[0].ID != "dead" || got[0].RunDir != dead.RunDir {
		t.Fatalf("ReapDead = %+v, %v; want the dead sweep's run", got, err)
	}
	if !proctest.Eventually(proctest.Wait, func() bool { return !proctest.Alive(deadProc.Process.Pid) }) {
		t.Errorf("the dead sweep's run process %d survived", deadProc.Process.Pid)
	}
	if !proctest.Alive(liveProc.Process.Pid) {
		t.Errorf("the live sweep's run process was killed")
	}
	if err := got[0].Forget(lockdir); err != nil {
		t.Fatal(err)
	}
	if got, err := ReapDead(lockdir); err != nil || len(got) != 0 {
		t.Errorf("ReapDead after Forget = %+v, %v; want nothing", got, err)
	}
	if fi, err := os.Stat(filepath.Join(lockdir, "active")); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("active directory: %v, %v; want mode 0700", fi.Mode(), err)
	}
}

// TestActivePlanted: another user who shares the lock directory and makes
// <lockdir>/active first cannot have the sweep record runs there, nor
// have anything killed with an entry of theirs.
func TestActivePlanted(t *testing.T) {
	parent, err := os.MkdirTemp("", "cc-ci-active-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(parent) })
	lockdir := filepath.Join(parent, "lock")
	if err := os.Mkdir(lockdir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(lockdir, 0o1777); err != nil {
		t.Fatal(err)
	}
	victim := marked(t, "planted")
	proctest.AsNobody(t, `mkdir -m 0755 `+lockdir+`/active
printf '{"id": "planted", "sweep": "2147483647.1"}' > `+lockdir+`/active/planted.json`)
	if got, err := ReapDead(lockdir); err != nil || len(got) != 0 {
		t.Errorf("ReapDead with another user's active directory = %+v, %v; want nothing", got, err)
	}
	if !proctest.Alive(victim.Process.Pid) {
		t.Errorf("a process named by another user's entry was killed")
	}
	err = (&ActiveRun{ID: "mine", Sweep: proc.Self()}).Register(lockdir)
	if err == nil || !strings.Contains(err.Error(), "belongs to another user") {
		t.Errorf("Register in another user's directory = %v, want a refusal", err)
	}
	if errors.Is(err, os.ErrNotExist) {
		t.Errorf("the refusal reads as a missing file: %v", err)
	}
}

// TestRemoveStaleEntries: what a killed write left, and an entry that does
// not parse (a disk error, a hand edit), go; a whole entry stays. Until
// then, ReapDead reports the broken entry.
func TestRemoveStaleEntries(t *testing.T) {
	lockdir := t.TempDir()
	whole := &ActiveRun{ID: "whole", Sweep: proc.Self()}
	if err := whole.Register(lockdir); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(lockdir, "active")
	broken, half := filepath.Join(dir, "broken.json"), filepath.Join(dir, ".whole.json.tmp-123")
	for _, p := range []string{broken, half} {
		if err := os.WriteFile(p, []byte("{\"id\": "), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ReapDead(lockdir); err == nil || !strings.Contains(err.Error(), broken) {
		t.Errorf("ReapDead with a broken entry: %v, want an error naming %s", err, broken)
	}
	if got := RemoveStaleEntries(lockdir); len(got) != 1 || got[0] != broken {
		t.Errorf("RemoveStaleEntries = %v, want [%s]", got, broken)
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 1 || left[0].Name() != "whole.json" {
		t.Errorf("left in %s: %v, want whole.json alone", dir, left)
	}
	if _, err := ReapDead(lockdir); err != nil {
		t.Errorf("ReapDead after the clean-up: %v", err)
	}
}
