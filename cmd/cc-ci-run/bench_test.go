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

// BenchmarkTrue runs `true` five ways, round-robin within each iteration
// (the order rotating), so that a loaded machine slows every variant
// alike; each variant's time is a metric of its own:
//
//	go test -run '^$' -bench True -benchtime 200x -count 10 ./cmd/cc-ci-run | benchstat -
//
// direct: /usr/bin/true; bash: the wrapper Nix generates today; goexec: a
// Go program that only calls syscall.Exec (Go's start-up, the floor for any
// Go wrapper); cc-ci-run: cc-ci-run -config FILE -- true, which reads the
// config, resolves the 15 tools, takes the run-active lock and execs;
// strict: the same with [env] strict, fingerprint = "content" and a
// requirement on git-lfs, its cache warm (what a CI step costs with the
// shipped examples' settings). over-floor and strict-over-floor are
// cc-ci-run and strict minus goexec, iteration by iteration: the budget is
// 0.5 ms. With $CCCI_BENCH_BASE naming another cc-ci-run binary (say,
// main's), it runs as a sixth variant, base, with cc-ci-run's config, and
// base-over-floor is reported: a comparison within the same run.
func BenchmarkTrue(b *testing.B) {
	dir := b.TempDir()
	tools := filepath.Join(dir, "tools")
	for _, name := range []string{"abra", "git-lfs"} {
		writeExec(b, filepath.Join(tools, name), "#!/bin/sh\necho "+name+" version 3.1.0\n")
	}
	dirs := []string{tools, "/usr/local/bin", "/usr/bin", "/bin"}
	for _, tool := range benchTools {
		if _, err := exec.LookPath(tool); err != nil && tool != "abra" && tool != "git-lfs" {
			b.Skipf("%s not on this host", tool)
		}
	}
	lockdir := filepath.Join(dir, "lock")
	envTOML := "[env]\npath = " + tomlList(dirs) + "\ntools = " + tomlList(append(benchTools, "true")) +
		"\npass = [\"DRONE_*\", \"CI\", \"TERM\"]\n"
	sweepTOML := "[env.vars]\nLANG = \"C.UTF-8\"\n[sweep]\nlockdir = \"" + lockdir + "\"\n"
	config := filepath.Join(dir, "ccci.toml")
	writeFile(b, config, envTOML+sweepTOML)
	strictConfig := filepath.Join(dir, "strict.toml")
	writeFile(b, strictConfig, envTOML+"strict = true\nfingerprint = \"content\"\n"+sweepTOML+
		"[env.require]\ngit-lfs = \">= 3.0\"\n")
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
		{"strict", []string{ccciRun, "-config", strictConfig, "--", "true"}},
	}
	if base := os.Getenv("CCCI_BENCH_BASE"); base != "" {
		variants = append(variants, struct {
			name string
			argv []string
		}{"base", []string{base, "-config", config, "--", "true"}})
	}
	warmCache(b, tools, variants[4].argv)
	const floor = 2 // goexec's index
	took := make([]time.Duration, len(variants))
	this := make([]time.Duration, len(variants))
	over := make([]time.Duration, len(variants)) // minus goexec
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
		for i := range variants {
			over[i] += this[i] - this[floor]
		}
	}
	perOp := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) }
	for i, v := range variants {
		b.ReportMetric(perOp(took[i]), v.name+"-ns/op")
	}
	b.ReportMetric(perOp(over[3]), "over-floor-ns/op")
	b.ReportMetric(perOp(over[4]), "strict-over-floor-ns/op")
	if len(variants) > 5 {
		b.ReportMetric(perOp(over[5]), "base-over-floor-ns/op")
	}
	b.ReportMetric(0, "ns/op") // all of them together mean nothing
}

// warmCache waits until the stand-in tools are older than the env cache's
// racy window (a second; polling, at most 10 s), then runs argv once, so
// that the strict variant's hashes and git-lfs's version are cached.
func warmCache(b *testing.B, tools string, argv []string) {
	b.Helper()
	entries, err := os.ReadDir(tools)
	if err != nil {
		b.Fatal(err)
	}
	for _, ent := range entries {
		if err := waitSettled(filepath.Join(tools, ent.Name())); err != nil {
			b.Fatal(err)
		}
	}
	if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
		b.Fatalf("warming the cache: %v\n%s", err, out)
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
