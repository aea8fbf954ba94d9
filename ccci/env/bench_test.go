package env

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// benchTools is the default tool set of issue 3 (15 commands).
var benchTools = []string{"abra", "docker", "git", "git-lfs", "bash", "env", "flock", "curl",
	"jq", "sed", "grep", "tar", "openssl", "ps", "python3"}

// nixLikeSpec lays out 15 tools the way a Nix profile does: a bin
// directory of symlinks into per-package store directories, searched
// before two directories that do not hold them.
func nixLikeSpec(b *testing.B) Spec {
	root := b.TempDir()
	bin := filepath.Join(root, "profile", "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		b.Fatal(err)
	}
	for i, tool := range benchTools {
		pkg := filepath.Join(root, "store", fmt.Sprintf("%032d-%s", i, tool), "bin")
		if err := os.MkdirAll(pkg, 0o755); err != nil {
			b.Fatal(err)
		}
		target := filepath.Join(pkg, tool)
		if err := os.WriteFile(target, []byte("#!/bin/sh\n"), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.Symlink(target, filepath.Join(bin, tool)); err != nil {
			b.Fatal(err)
		}
	}
	return Spec{
		Path:  []string{bin, filepath.Join(root, "empty"), "/nonexistent"},
		Tools: benchTools,
		Vars:  map[string]string{"HOME": "/var/lib/cc-ci", "PLAYWRIGHT_BROWSERS_PATH": "/nix/store/x"},
		Pass:  []string{"DRONE_*", "CI", "TERM"},
	}
}

// BenchmarkResolve15 resolves 15 tools: the hot path of every job.
func BenchmarkResolve15(b *testing.B) {
	spec := nixLikeSpec(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Resolve(spec); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResolve15LastDir finds each tool only in the third directory.
func BenchmarkResolve15LastDir(b *testing.B) {
	spec := nixLikeSpec(b)
	spec.Path = []string{spec.Path[1], spec.Path[2], spec.Path[0]}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Resolve(spec); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEnvironFingerprint(b *testing.B) {
	e, err := Resolve(nixLikeSpec(b))
	if err != nil {
		b.Fatal(err)
	}
	caller := os.Environ()
	b.ReportAllocs()
	for b.Loop() {
		_ = e.Environ(caller)
		_ = e.Fingerprint()
	}
}

// BenchmarkProbe15 runs the 15 version probes (shell scripts) once per
// iteration: what -check costs, never the hot path.
func BenchmarkProbe15(b *testing.B) {
	e, err := Resolve(nixLikeSpec(b))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		_ = e.Probe(context.Background())
	}
}

// BenchmarkResolveSystem resolves the built-in default's tools that this
// machine has in /usr/local/bin:/usr/bin:/bin (Debian: plain files and
// alternatives symlinks).
func BenchmarkResolveSystem(b *testing.B) {
	spec := Spec{Path: []string{"/usr/local/bin", "/usr/bin", "/bin"}}
	for _, tool := range benchTools {
		if _, err := (&Env{Spec: spec}).LookPath(tool); err == nil {
			spec.Tools = append(spec.Tools, tool)
		}
	}
	if len(spec.Tools) < 10 {
		b.Skipf("only %d of the default tools here", len(spec.Tools))
	}
	b.ReportMetric(float64(len(spec.Tools)), "tools")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Resolve(spec); err != nil {
			b.Fatal(err)
		}
	}
}
