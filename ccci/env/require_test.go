package env

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// countingTool writes a tool that prints version and appends a line to
// count each time it runs.
func countingTool(t *testing.T, dir, name, version, count string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	script := "#!/bin/sh\necho run >> " + count + "\necho '" + name + "/" + version + " (GitHub; linux amd64)'\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	chmod(t, p, 0o755)
	return p
}

func runs(t *testing.T, count string) int {
	t.Helper()
	data, err := os.ReadFile(count)
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(data), "run\n")
}

// TestCheckRequire: only required tools are probed, the version is kept
// in the cache while the file is unchanged, and an unmet requirement is a
// *RequireError naming the tool.
func TestCheckRequire(t *testing.T) {
	settleNow(t)
	root := t.TempDir()
	bin := filepath.Join(root, "bin")
	mkdir(t, bin, 0o755)
	lfsCount, jqCount := filepath.Join(root, "lfs-runs"), filepath.Join(root, "jq-runs")
	lfs := countingTool(t, bin, "git-lfs", "3.4.1", lfsCount)
	countingTool(t, bin, "jq", "1.6", jqCount)
	spec := Spec{Path: []string{bin, "/usr/bin", "/bin"}, Tools: []string{"git-lfs", "jq"},
		Require: map[string]string{"git-lfs": ">= 3.0"}, RuntimeDir: filepath.Join(root, "lock", "env")}
	check := func() error {
		t.Helper()
		e, err := Resolve(spec)
		if err != nil {
			t.Fatal(err)
		}
		return e.CheckRequire(context.Background())
	}
	if err := check(); err != nil {
		t.Fatalf("CheckRequire = %v, want nil", err)
	}
	if n, m := runs(t, lfsCount), runs(t, jqCount); n != 1 || m != 0 {
		t.Errorf("git-lfs ran %d times, jq %d; want 1 and 0 (jq has no requirement)", n, m)
	}
	if err := check(); err != nil || runs(t, lfsCount) != 1 {
		t.Errorf("CheckRequire again = %v, git-lfs ran %d times; want nil and no new probe", err, runs(t, lfsCount))
	}

	nextTick(t, lfs)
	countingTool(t, bin, "git-lfs", "2.13.3", lfsCount) // an older one, same path
	err := check()
	var re *RequireError
	if !errors.As(err, &re) || len(re.Failed) != 1 || err.Error() != `git-lfs: version 2.13.3 does not satisfy ">= 3.0"` {
		t.Errorf("CheckRequire after a downgrade = %v, want *RequireError for git-lfs", err)
	}
	if n := runs(t, lfsCount); n != 2 {
		t.Errorf("git-lfs ran %d times, want 2: the changed file is probed again", n)
	}
	if err := check(); !errors.As(err, &re) || runs(t, lfsCount) != 2 {
		t.Errorf("CheckRequire from the cache = %v after %d runs, want the same failure, no new probe", err, runs(t, lfsCount))
	}

	// Without a runtime directory, nothing is kept: every check probes.
	spec.RuntimeDir = ""
	for range 2 {
		_ = check()
	}
	if n := runs(t, lfsCount); n != 4 {
		t.Errorf("git-lfs ran %d times, want 4", n)
	}
	// No requirement: nothing runs.
	spec.Require = nil
	if err := check(); err != nil || runs(t, lfsCount) != 4 {
		t.Errorf("CheckRequire without requirements = %v, %d runs; want nil, no probe", err, runs(t, lfsCount))
	}
}

func TestCheckRequireMissing(t *testing.T) {
	e := &Env{Spec: Spec{Path: []string{"/nonexistent"}, Tools: []string{"git-lfs"}, Require: map[string]string{"git-lfs": ">= 3"}}}
	err := e.CheckRequire(context.Background())
	var re *RequireError
	if !errors.As(err, &re) || !strings.HasPrefix(err.Error(), "git-lfs: not found in /nonexistent") {
		t.Errorf("CheckRequire of a tool not resolved = %v, want *RequireError saying it is missing", err)
	}
}

// TestKnownVersionFlags: openssl is asked "version" unless the config
// says otherwise (OpenSSL 3 fails on --version); sh is not probed.
func TestKnownVersionFlags(t *testing.T) {
	dir := mkdirs(t, "bin")[0]
	p := filepath.Join(dir, "openssl")
	script := "#!/bin/sh\n[ \"$1\" = version ] || { echo \"Invalid command '$1'\" >&2; exit 1; }\necho 'OpenSSL 3.0.15 3 Sep 2024'\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	chmod(t, p, 0o755)
	spec := Spec{Path: []string{dir, "/usr/bin", "/bin"}, Tools: []string{"openssl", "sh"},
		Require: map[string]string{"openssl": ">= 3.0"}}
	e, err := Resolve(spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range e.Probe(context.Background()) {
		if !st.OK {
			t.Errorf("Probe %s: %v", st.Tool, st.Err)
		}
	}
	if err := e.CheckRequire(context.Background()); err != nil {
		t.Errorf("CheckRequire = %v", err)
	}
	e.Spec.VersionFlags = map[string]string{"openssl": "--version"} // the config wins
	if st := e.Probe(context.Background())[0]; st.OK {
		t.Errorf("Probe openssl --version = %+v, want it to fail", st)
	}
	spec.Require = map[string]string{"sh": ">= 5"}
	var se *SpecError
	if _, err := Resolve(spec); !errors.As(err, &se) || se.Key != "require.sh" || !strings.Contains(err.Error(), "version_flags.sh") {
		t.Errorf("Resolve with a requirement on sh = %v, want a *SpecError saying to set version_flags.sh", err)
	}
}
