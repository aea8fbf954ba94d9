package ccci

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"coopcloud.tech/cc-ci/ccci/env"
)

// BenchmarkHotPath is what cc-ci-run does in-process before exec, warm:
// read a 15-tool config, resolve the tools, take and drop the run-active
// lock. (cmd/cc-ci-run's BenchmarkTrue measures whole processes.)
//
//	go test -run '^$' -bench HotPath -benchtime 2000x ./ccci
func BenchmarkHotPath(b *testing.B) {
	dir := b.TempDir()
	tools := []string{"abra", "docker", "git", "git-lfs", "bash", "env", "flock",
		"ps", "tar", "curl", "jq", "sed", "grep", "openssl", "python3"}
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		b.Fatal(err)
	}
	for _, t := range tools {
		if err := os.WriteFile(filepath.Join(bin, t), []byte("#!/bin/sh\n"), 0o755); err != nil {
			b.Fatal(err)
		}
	}
	config := filepath.Join(dir, "ccci.toml")
	data := `[env]
path = ["/usr/local/bin", "/usr/bin", "` + bin + `"]
tools = ["` + strings.Join(tools, `", "`) + `"]
pass = ["DRONE_*", "CI", "TERM"]
[sweep]
lockdir = "` + filepath.Join(dir, "lock") + `"
`
	if err := os.WriteFile(config, []byte(data), 0o644); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		cfg, err := LoadConfig(config, os.Getenv)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := env.Resolve(cfg.Env); err != nil {
			b.Fatal(err)
		}
		l, err := AcquireRunActive(context.Background(), cfg.Sweep.Lockdir, 0, nil)
		if err != nil {
			b.Fatal(err)
		}
		l.Unlock()
	}
}
