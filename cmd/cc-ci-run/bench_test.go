package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// benchTools is the 15-tool declaration of the benchmark; abra and
// git-lfs, absent on most build hosts, are small scripts in a tools
// directory searched first.
var benchTools = []string{"abra", "docker", "git", "git-lfs", "bash", "env", "flock",
	"ps", "tar", "curl", "jq", "sed", "grep", "openssl", "python3"}

// BenchmarkTrue runs `true` four ways; with -count N the four variants
// interleave, N rounds of each:
//
//	go test -run '^$' -bench True -benchtime 200x -count 10 ./cmd/cc-ci-run
//
// direct: /usr/bin/true; bash: the wrapper Nix generates today; goexec: a
// Go program that only calls syscall.Exec (Go's start-up, the floor for any
// Go wrapper); cc-ci-run: cc-ci-run -config FILE -- true, which reads the
// config, resolves the 15 tools, takes the run-active lock and execs.
func BenchmarkTrue(b *testing.B) {
	dir := b.TempDir()
	tools := filepath.Join(dir, "tools")
	for _, name := range []string{"abra", "git-lfs"} {
		writeExec(b, filepath.Join(tools, name), "#!/bin/sh\necho "+name+" version 1.0.0\n")
	}
	dirs := []string{tools, "/usr/local/bin", "/usr/bin", "/bin"}
	for _, tool := range benchTools {
		if _, err := exec.LookPath(tool); err != nil && tool != "abra" && tool != "git-lfs" {
			b.Skipf("%s not on this host", tool)
		}
	}
	config := filepath.Join(dir, "ccci.toml")
	writeFile(b, config, "[env]\npath = "+tomlList(dirs)+"\ntools = "+tomlList(benchTools)+
		"\npass = [\"DRONE_*\", \"CI\", \"TERM\"]\n[env.vars]\nLANG = \"C.UTF-8\"\n[sweep]\nlockdir = \""+filepath.Join(dir, "lock")+"\"\n")
	ccciRun := goBuild(b, dir, "cc-ci-run", ".")
	goexec := goBuild(b, dir, "goexec", "./testdata/minexec")
	truePath, err := exec.LookPath("true")
	if err != nil {
		b.Skip("no true")
	}
	wrapper := `set -o errexit -o nounset -o pipefail; export PATH="` + strings.Join(dirs, ":") + `:$PATH"; exec "$@"`
	variants := []struct {
		name string
		argv []string
	}{
		{"direct", []string{truePath}},
		{"bash", []string{"bash", "-c", wrapper, "_", "true"}},
		{"goexec", []string{goexec, truePath}},
		{"cc-ci-run", []string{ccciRun, "-config", config, "--", "true"}},
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			for b.Loop() {
				cmd := exec.Command(v.argv[0], v.argv[1:]...)
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("%s: %v\n%s", v.name, err, out)
				}
			}
		})
	}
}

func goBuild(b *testing.B, dir, name, pkg string) string {
	b.Helper()
	out := filepath.Join(dir, name)
	if _, err := os.Stat(out); err == nil {
		return out
	}
	if msg, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
		b.Fatalf("go build %s: %v\n%s", pkg, err, msg)
	}
	return out
}

func writeFile(b *testing.B, path, data string) {
	b.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		b.Fatal(err)
	}
}

func writeExec(b *testing.B, path, data string) {
	b.Helper()
	writeFile(b, path, data)
	if err := os.Chmod(path, 0o755); err != nil {
		b.Fatal(err)
	}
}

func tomlList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = `"` + s + `"`
	}
	return "[" + strings.Join(q, ", ") + "]"
}
