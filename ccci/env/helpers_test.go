package env

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"coopcloud.tech/cc-ci/internal/proctest"
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

// nobody is the uid and gid of the second user the trust tests plant
// files as (setpriv --reuid=65534 --regid=65534 --clear-groups).
const nobody = proctest.Nobody

// needRoot skips a test that makes files of another user.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("planting files as another user needs root")
	}
}

// asNobody runs script with /bin/sh as nobody, as an attacker on the
// host would.
func asNobody(t *testing.T, script string) { t.Helper(); proctest.AsNobody(t, script) }

// publicDir is a fresh directory under the temporary directory that
// every user can enter (t.TempDir's parent is 0700), owned by the caller.
func publicDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "cc-ci-env-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	chmod(t, dir, 0o755)
	return dir
}

// settleNow makes the cache record files however young they are, and
// restores the window when the test ends. Such a test must change a file
// only after nextTick.
func settleNow(t *testing.T) {
	old := racyWindow
	racyWindow = -time.Hour
	t.Cleanup(func() { racyWindow = old })
}

// nextTick waits until the file system's clock has moved past the ctime
// of path (it is coarse: writes within one tick get the same time), by
// writing a file beside it until that file's ctime is later.
func nextTick(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	was := stampOf(fi).ctime
	probe := filepath.Join(filepath.Dir(path), ".tick")
	moved := proctest.Eventually(proctest.Wait, func() bool {
		if err := os.WriteFile(probe, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Lstat(probe)
		return err == nil && stampOf(fi).ctime > was
	})
	os.Remove(probe)
	if !moved {
		t.Fatalf("the file system's clock did not move in %s", proctest.Wait)
	}
}
