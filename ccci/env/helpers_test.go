package env

import (
	"os"
	"path/filepath"
	"testing"
)

// mkdirs makes directories under a fresh temporary root, mode 0755.
func mkdirs(t *testing.T, names ...string) []string {
	t.Helper()
	root := t.TempDir()
	dirs := make([]string, len(names))
	for i, name := range names {
		dirs[i] = filepath.Join(root, name)
		if err := os.MkdirAll(dirs[i], 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dirs
}

// writeTool writes an executable shell script dir/name printing out.
func writeTool(t *testing.T, dir, name, out string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	script := "#!/bin/sh\necho '" + out + "'\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, 0o755); err != nil { // whatever the umask
		t.Fatal(err)
	}
	return p
}
