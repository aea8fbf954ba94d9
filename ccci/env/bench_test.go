package env

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
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

// systemSpec is the built-in default's 15 tools on this host, in
// /usr/local/bin:/usr/bin:/bin, with stand-ins for abra and git-lfs (absent
// on most build hosts) in a directory searched first; it skips unless
// docker and python3, the large ones, are real.
func systemSpec(b *testing.B) Spec {
	b.Helper()
	dir := b.TempDir()
	for _, tool := range []string{"abra", "git-lfs"} {
		script := "#!/bin/sh\necho '" + tool + "/3.4.1 (GitHub; linux amd64)'\n"
		if err := os.WriteFile(filepath.Join(dir, tool), []byte(script), 0o755); err != nil {
			b.Fatal(err)
		}
	}
	spec := Spec{Path: []string{dir, "/usr/local/bin", "/usr/bin", "/bin"}, Tools: benchTools}
	for _, tool := range []string{"docker", "python3"} {
		if _, err := (&Env{Spec: spec}).LookPath(tool); err != nil {
			b.Skipf("%s is not on this host: the set would not be the default's", tool)
		}
	}
	return spec
}

// BenchmarkHashCold hashes the 15 tools of the default set with no cache
// (docker and python3 included, each read whole): what the first job
// after a tool changes pays with fingerprint = "content".
func BenchmarkHashCold(b *testing.B) {
	spec := systemSpec(b)
	spec.Fingerprint = FingerprintContent
	e, err := Resolve(spec)
	if err != nil {
		b.Fatal(err)
	}
	var size int64
	for _, p := range e.Tools {
		fi, _ := os.Stat(p)
		size += fi.Size()
	}
	b.SetBytes(size)
	for b.Loop() {
		if _, err := Resolve(spec); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(size)/1e6, "MB-hashed")
}

// BenchmarkResolveWarm resolves the default set as cc-ci-run does with
// the shipped examples' settings and more: strict (the view made),
// fingerprint = "content" and a requirement on git-lfs, all from a warm
// cache. Compare with BenchmarkResolveSystem: what the modes cost on the
// hot path.
func BenchmarkResolveWarm(b *testing.B) {
	old := racyWindow
	racyWindow = -time.Hour // the stand-ins were written just now
	b.Cleanup(func() { racyWindow = old })
	spec := systemSpec(b)
	spec.Strict, spec.Fingerprint = true, FingerprintContent
	spec.Require = map[string]string{"git-lfs": ">= 3.0"}
	spec.RuntimeDir = filepath.Join(b.TempDir(), "env")
	warm := func() {
		e, err := Resolve(spec)
		if err != nil {
			b.Fatal(err)
		}
		if err := e.CheckRequire(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	warm()
	b.ReportAllocs()
	for b.Loop() {
		warm()
	}
}

// BenchmarkRequire probes git-lfs's version as CheckRequire does, cached
// (the hot path) and not (every time): a probe costs a process, far more
// than a millisecond, hence the cache.
func BenchmarkRequire(b *testing.B) {
	spec := systemSpec(b)
	spec.Require = map[string]string{"git-lfs": ">= 3.0"}
	for _, cached := range []bool{false, true} {
		name := "probe"
		s := spec
		if cached {
			name, s.RuntimeDir = "cached", filepath.Join(b.TempDir(), "env")
		}
		b.Run(name, func(b *testing.B) {
			old := racyWindow
			racyWindow = -time.Hour
			defer func() { racyWindow = old }()
			e, err := Resolve(s)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				e.cache = nil // read the cache file as a new process would
				if err := e.CheckRequire(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
