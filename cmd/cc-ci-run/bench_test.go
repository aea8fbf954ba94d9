package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// benchTools is the 15-tool declaration of the benchmark; abra and
// git-lfs, absent on most build hosts, are small scripts in a tools
// directory searched first.
var benchTools = []string{"abra", "docker", "git", "git-lfs", "bash", "env", "flock",
	"ps", "tar", "curl", "jq", "sed", "grep", "openssl", "python3"}

// BenchmarkTrue runs `true` four ways, round-robin within each iteration
// (the order rotating), so that a loaded machine slows every variant
// alike; each variant's time is a metric of its own:
//
//	go test -run '^$' -bench True -benchtime 200x -count 10 ./cmd/cc-ci-run | benchstat -
//
// direct: /usr/bin/true; bash: the wrapper Nix generates today; goexec: a
// Go program that only calls syscall.Exec (Go's start-up, the floor for any
// Go wrapper); cc-ci-run: cc-ci-run -config FILE -- true, which reads the
// config, resolves the 15 tools, takes the run-active lock and execs.
// over-floor is cc-ci-run minus goexec, iteration by iteration: the budget
// is 0.5 ms.
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
	const floor, ccci = 2, 3 // goexec's and cc-ci-run's index
	took := make([]time.Duration, len(variants))
	this := make([]time.Duration, len(variants))
	var over time.Duration // cc-ci-run minus goexec
	for n := 0; b.Loop(); n++ {
		for j := range variants {
			i := (j + n) % len(variants)
			v := variants[i]
			start := time.Now()
			if out, err := exec.Command(v.argv[0], v.argv[1:]...).CombinedOutput(); err != nil {
				b.Fatalf("%s: %v\n%s", v.name, err, out)
			}
			this[i] = time.Since(start)
			took[i] += this[i]
		}
		over += this[ccci] - this[floor]
	}
	perOp := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) }
	for i, v := range variants {
		b.ReportMetric(perOp(took[i]), v.name+"-ns/op")
	}
	b.ReportMetric(perOp(over), "over-floor-ns/op")
	b.ReportMetric(0, "ns/op") // all four together mean nothing
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
