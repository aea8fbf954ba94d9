package env

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestFingerprintFormat(t *testing.T) {
	e := &Env{
		Spec: Spec{
			Path: []string{"/nix/bin", "/usr/bin"},
			Vars: map[string]string{"HOME": "/h", "CERT": "a\nb\\c"},
			Pass: []string{"DRONE_*", "CI"},
		},
		Tools: map[string]string{"git": "/nix/store/x-git/bin/git", "bash": "/usr/bin/bash"},
	}
	// The lines of the documented format, sorted, each ending in "\n".
	lines := "dir 0 /nix/bin\n" +
		"dir 1 /usr/bin\n" +
		"pass CI\n" +
		"pass DRONE_*\n" +
		"tool bash /usr/bin/bash\n" +
		"tool git /nix/store/x-git/bin/git\n" +
		"var CERT=a\\nb\\\\c\n" +
		"var HOME=/h\n"
	sum := sha256.Sum256([]byte(lines))
	want := "e1:" + base64.RawURLEncoding.EncodeToString(sum[:])
	for range 5 { // map order must not matter
		if got := e.Fingerprint(); got != want {
			t.Fatalf("Fingerprint() = %q, want %q (lines:\n%s)", got, want, lines)
		}
	}
	if len(want) != 3+43 {
		t.Errorf("len(%q) = %d, want 46", want, len(want))
	}
}

func TestFingerprintChanges(t *testing.T) {
	dirs := mkdirs(t, "bin", "store-1", "store-2")
	v1 := writeTool(t, dirs[1], "git-lfs", "git-lfs/3.3.0")
	v2 := writeTool(t, dirs[2], "git-lfs", "git-lfs/3.4.0")
	link := filepath.Join(dirs[0], "git-lfs")
	if err := os.Symlink(v1, link); err != nil {
		t.Fatal(err)
	}
	spec := Spec{Path: dirs[:1], Tools: []string{"git-lfs"}, Vars: map[string]string{"HOME": "/h"}, Pass: []string{"CI"}}
	base := fingerprint(t, spec)
	if again := fingerprint(t, spec); again != base {
		t.Errorf("Fingerprint of the same declaration and files: %q then %q", base, again)
	}

	// The tool now resolves elsewhere: a different environment.
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(v2, link); err != nil {
		t.Fatal(err)
	}
	if got := fingerprint(t, spec); got == base {
		t.Errorf("Fingerprint unchanged (%q) after git-lfs moved from %s to %s", got, v1, v2)
	}

	changes := map[string]func(*Spec){
		"dir added":   func(s *Spec) { s.Path = append(s.Path, "/usr/bin") },
		"var changed": func(s *Spec) { s.Vars = map[string]string{"HOME": "/other"} },
		"pass added":  func(s *Spec) { s.Pass = append(s.Pass, "TERM") },
	}
	now := fingerprint(t, spec)
	for name, change := range changes {
		s := spec
		s.Path, s.Pass = append([]string(nil), spec.Path...), append([]string(nil), spec.Pass...)
		change(&s)
		if got := fingerprint(t, s); got == now {
			t.Errorf("%s: Fingerprint unchanged (%q)", name, got)
		}
	}
	// The caller's values of passed variables never count.
	e, _ := Resolve(spec)
	t.Setenv("CI", "something else")
	if got := e.Fingerprint(); got != now {
		t.Errorf("Fingerprint changed with the caller's CI value: %q, want %q", got, now)
	}
}

func fingerprint(t *testing.T, spec Spec) string {
	t.Helper()
	e, err := Resolve(spec)
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	return e.Fingerprint()
}

// childSpecEnv carries a JSON Spec to TestFingerprintChild.
const childSpecEnv = "CCCI_ENV_TEST_FINGERPRINT_SPEC"

// TestFingerprintChild prints the fingerprint of the Spec in
// $CCCI_ENV_TEST_FINGERPRINT_SPEC; it does nothing when that is unset.
// TestFingerprintAcrossProcesses runs it in a second process.
func TestFingerprintChild(t *testing.T) {
	raw := os.Getenv(childSpecEnv)
	if raw == "" {
		return
	}
	var spec Spec
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("fingerprint=%s\n", fingerprint(t, spec))
}

func TestFingerprintAcrossProcesses(t *testing.T) {
	dirs := mkdirs(t, "bin", "store")
	for _, tool := range []string{"git", "jq", "bash", "python3"} {
		target := writeTool(t, dirs[1], tool, tool)
		if err := os.Symlink(target, filepath.Join(dirs[0], tool)); err != nil {
			t.Fatal(err)
		}
	}
	spec := Spec{Path: dirs[:1], Tools: []string{"git", "jq", "bash", "python3"},
		Vars: map[string]string{"HOME": "/h", "LANG": "C.UTF-8"}, Pass: []string{"DRONE_*", "CI"}}
	raw, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestFingerprintChild$")
	// A different caller environment: only names matter, never values.
	cmd.Env = []string{childSpecEnv + "=" + string(raw), "CI=yes", "DRONE_BRANCH=other", "GOMAXPROCS=1"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	want := "fingerprint=" + fingerprint(t, spec)
	if !strings.Contains(string(out), want+"\n") {
		t.Errorf("child process printed:\n%s\nwant a line %q", out, want)
	}
}
