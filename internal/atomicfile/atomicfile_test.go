package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteNewAndMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	if err := Write(path, []byte("one\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	check(t, path, "one\n", 0o640)
	if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, []byte("two\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	check(t, path, "two\n", 0o444)
	leftovers(t, dir, 1)
}

// TestWriteThroughSymlink: a link (relative or absolute, dangling or not)
// stays a link and its target gets the data, in the target's directory.
func TestWriteThroughSymlink(t *testing.T) {
	for _, tt := range []struct {
		name     string
		relative bool
		exists   bool
	}{{"absolute", false, true}, {"relative", true, true}, {"dangling", false, false}} {
		t.Run(tt.name, func(t *testing.T) {
			store, etc := t.TempDir(), t.TempDir()
			target := filepath.Join(store, "canonical.json")
			if tt.exists {
				if err := os.WriteFile(target, []byte("old\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			link := filepath.Join(etc, "state.json")
			dest := target
			if tt.relative {
				rel, err := filepath.Rel(etc, target)
				if err != nil {
					t.Fatal(err)
				}
				dest = rel
			}
			if err := os.Symlink(dest, link); err != nil {
				t.Fatal(err)
			}
			if err := Write(link, []byte("new\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
				t.Errorf("%s is no longer a symlink (%v)", link, err)
			}
			mode := os.FileMode(0o644)
			if tt.exists {
				mode = 0o600
			}
			check(t, target, "new\n", mode)
			leftovers(t, store, 1)
			leftovers(t, etc, 1)
		})
	}
}

func TestWriteFailsCleanly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "missing", "state.json")
	if err := Write(path, []byte("x"), 0o644); err == nil {
		t.Errorf("Write into a missing directory = nil, want an error")
	}
	loop := filepath.Join(dir, "loop")
	if err := os.Symlink(loop, loop); err != nil {
		t.Fatal(err)
	}
	if err := Write(loop, []byte("x"), 0o644); err == nil {
		t.Errorf("Write through a symlink loop = nil, want an error")
	}
}

func TestRemoveStale(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	for _, name := range []string{TempPrefix("state.json") + "123", "keep.json"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	RemoveStale(path)
	leftovers(t, dir, 1)
}

func check(t *testing.T, path, data string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil || string(b) != data {
		t.Errorf("%s holds %q (%v), want %q", path, b, err, data)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != mode {
		t.Errorf("%s mode = %v (%v), want %v", path, fi.Mode().Perm(), err, mode)
	}
}

// leftovers fails unless dir holds exactly n entries.
func leftovers(t *testing.T, dir string, n int) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != n {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("%s holds %q (%v), want %d entries", dir, names, err, n)
	}
}
