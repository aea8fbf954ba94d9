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
