package proctest

import (
	"os"
	"os/exec"
	"testing"
)

// Tool finds the first of names on PATH, a tool an end-to-end test runs
// (Debian package pkg). Without it the test skips, unless CI is set: then
// it fails, so CI never skips an end-to-end test silently.
func Tool(t testing.TB, pkg string, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s not found and CI is set: apt-get install -y %s", names[0], pkg)
	}
	t.Skipf("%s not found: apt-get install -y %s to run this test", names[0], pkg)
	return ""
}

// Nobody is the uid and gid of the second user tests act as: an attacker
// on the host, planting files.
const Nobody = 65534

// AsNobody runs script with /bin/sh -e as Nobody, through setpriv
// (util-linux); it needs root, and skips without it.
func AsNobody(t testing.TB, script string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("acting as another user needs root")
	}
	setpriv := Tool(t, "util-linux", "setpriv")
	cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "/bin/sh", "-ec", script)
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("as nobody: %s: %v\n%s", script, err, out)
	}
}
