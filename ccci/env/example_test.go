package env_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"coopcloud.tech/cc-ci/ccci/env"
)

// Diff is the check to run before changing the declared environment:
// anything it prints, the new declaration takes away.
func ExampleDiff() {
	old := env.Spec{
		Path:  []string{"/nix/store/aaa-cc-ci-tools/bin", "/usr/bin", "/bin"},
		Tools: []string{"abra", "docker", "git", "git-lfs", "python3"},
		Vars:  map[string]string{"HOME": "/var/lib/cc-ci", "PLAYWRIGHT_BROWSERS_PATH": "/nix/store/bbb"},
		Pass:  []string{"DRONE_*", "CI"},
	}
	// The systemd unit's PATH that once lost git-lfs mid-sweep.
	new := env.Spec{
		Path:  []string{"/nix/store/ccc-coreutils/bin", "/usr/bin", "/bin"},
		Tools: []string{"abra", "docker", "git", "python3"},
		Vars:  map[string]string{"HOME": "/var/lib/cc-ci"},
		Pass:  []string{"DRONE_*", "CI"},
	}
	for _, d := range env.Diff(old, new) {
		fmt.Println(d)
	}
	// Output:
	// tool git-lfs
	// dir /nix/store/aaa-cc-ci-tools/bin
	// var PLAYWRIGHT_BROWSERS_PATH
}

// Resolve reports every missing tool at once, one line per tool, ready to
// print as is.
func ExampleResolve_missing() {
	dir, _ := os.MkdirTemp("", "env-example")
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "bin")
	_ = os.Mkdir(bin, 0o755)
	_ = os.WriteFile(filepath.Join(bin, "git"), []byte("#!/bin/sh\n"), 0o755)

	_, err := env.Resolve(env.Spec{Path: []string{"/nonexistent/bin", bin}, Tools: []string{"git", "git-lfs", "jq"}})
	var missing *env.MissingError
	if errors.As(err, &missing) {
		fmt.Println(missing.Tools)
		fmt.Println(filepath.Base(missing.Dirs[1]))
	}
	err = &env.MissingError{Tools: []string{"git-lfs", "jq"}, Dirs: []string{"/usr/bin", "/bin"}}
	fmt.Println(err)
	// Output:
	// [git-lfs jq]
	// bin
	// git-lfs: not found in /usr/bin:/bin
	// jq: not found in /usr/bin:/bin
}

// Environ builds the job's environment from nothing: the caller's
// SECRET_TOKEN does not reach the job, its DRONE_ variables do.
func ExampleEnv_Environ() {
	e := &env.Env{Spec: env.Spec{
		Path: []string{"/opt/cc-ci/bin", "/usr/bin"},
		Vars: map[string]string{"HOME": "/var/lib/cc-ci"},
		Pass: []string{"DRONE_*"},
	}}
	caller := []string{"SECRET_TOKEN=hunter2", "DRONE_BRANCH=main", "PATH=/home/me/bin", "HOME=/root"}
	for _, kv := range e.Environ(caller) {
		fmt.Println(kv)
	}
	// Output:
	// DRONE_BRANCH=main
	// HOME=/var/lib/cc-ci
	// PATH=/opt/cc-ci/bin:/usr/bin
}

// A fingerprint depends on the declaration and the resolved paths only:
// here it is the hash of the three lines
//
//	dir 0 /usr/bin
//	pass CI
//	tool git /usr/bin/git
func ExampleEnv_Fingerprint() {
	e := &env.Env{
		Spec:  env.Spec{Path: []string{"/usr/bin"}, Pass: []string{"CI"}},
		Tools: map[string]string{"git": "/usr/bin/git"},
	}
	fmt.Println(e.Fingerprint())
	// Output:
	// e1:R6kkyxU9cqhsC3rlAKEVrlIiwYtnyxyZ-4ZD2bPbEm4
}

// FingerprintLines are what a fingerprint hashes: two hosts whose
// fingerprints differ diff these to see why (cc-ci-run -fingerprint
// -lines). In strict mode the line "strict" is one of them.
func ExampleEnv_FingerprintLines() {
	e := &env.Env{
		Spec:  env.Spec{Path: []string{"/usr/bin"}, Pass: []string{"CI"}, Strict: true},
		Tools: map[string]string{"git": "/usr/bin/git"},
	}
	for _, line := range e.FingerprintLines() {
		fmt.Println(line)
	}
	// Output:
	// dir 0 /usr/bin
	// pass CI
	// strict
	// tool git /usr/bin/git
}

// In strict mode a job finds the declared tools and nothing else, on
// every host: its PATH is a directory of links made for the declaration.
func ExampleResolve_strict() {
	dir, _ := os.MkdirTemp("", "env-example")
	defer os.RemoveAll(dir)
	e, err := env.Resolve(env.Spec{Path: []string{"/usr/bin", "/bin"}, Tools: []string{"sh"},
		Strict: true, RuntimeDir: filepath.Join(dir, "lock", "env")})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(filepath.Base(e.View))
	_, err = e.LookPath("ls")
	fmt.Println(err)
	// Output:
	// bin
	// ls: not in env.tools (env.strict: a job finds only declared tools)
}
