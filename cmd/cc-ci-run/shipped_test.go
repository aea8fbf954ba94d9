package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/internal/shipped"
)

// standIns are the tools Debian does not package; everything else a
// shipped config declares must be the host's real binary.
var standIns = map[string]string{
	"abra":   "abra version 0.10.0-beta-1a2b3c4",
	"docker": "Docker version 27.5.1, build 9f9e405",
}

// hostPath is where a Debian host has its tools.
var hostPath = []string{"/usr/local/bin", "/usr/bin", "/bin"}

// TestShippedConfigsCheck: every config cc-ci ships (the built-in default,
// examples/systemd/ccci.toml, the README's example, examples/nixos's
// settings.nix) passes -check on a host that has its tools (issue 10: the
// starting config failed its own check, openssl --version). Each is loaded
// as cc-ci-run loads it; env.path gets a directory of stand-ins for abra
// and docker first, then this host's /usr/local/bin:/usr/bin:/bin (the
// Debian configs declare those already; the Nix one declares store paths);
// the lock directory is a temporary one. Then -check's own code runs.
func TestShippedConfigsCheck(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	configs := map[string]func(t *testing.T) *ccci.Config{
		"built-in default": func(t *testing.T) *ccci.Config { return load(t, "", nil) },
		"examples/systemd/ccci.toml": func(t *testing.T) *ccci.Config {
			return load(t, filepath.Join(root, "examples/systemd/ccci.toml"), nil)
		},
		"README.md": func(t *testing.T) *ccci.Config { return load(t, "", readmeTOML(t, filepath.Join(root, "README.md"))) },
		"examples/nixos/settings.nix": func(t *testing.T) *ccci.Config {
			text, err := shipped.NixTOML(shipped.NixInstantiate(t), filepath.Join(root, "examples/nixos"), "import ./settings.nix { }")
			if err != nil {
				t.Fatal(err)
			}
			return load(t, "", text)
		},
	}
	for name, get := range configs {
		t.Run(name, func(t *testing.T) {
			cfg := get(t)
			onThisHost(t, cfg)
			var out bytes.Buffer
			if err := check(context.Background(), cfg, false, &out); err != nil {
				t.Errorf("-check of %s: %v\n%s", name, err, out.String())
			}
			if !strings.Contains(out.String(), "openssl") && slices.Contains(cfg.Env.Tools, "openssl") {
				t.Errorf("-check of %s lists no openssl:\n%s", name, out.String())
			}
		})
	}
}

// load loads a config file, or TOML text, as cc-ci-run does; neither
// gives the built-in default.
func load(t *testing.T, file string, text []byte) *ccci.Config {
	t.Helper()
	if text != nil {
		file = filepath.Join(t.TempDir(), "ccci.toml")
		if err := os.WriteFile(file, text, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if file == "" {
		file = filepath.Join(t.TempDir(), "no-env.toml") // a file without [env] declares the default
		if err := os.WriteFile(file, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := ccci.LoadConfig(file, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// onThisHost points cfg's [env] at this host as the test describes, or
// skips when the host lacks a tool that is not stood in for (fails under CI).
func onThisHost(t *testing.T, cfg *ccci.Config) {
	t.Helper()
	dir := t.TempDir()
	for tool, version := range standIns {
		script := "#!/bin/sh\necho '" + version + "'\n"
		if err := os.WriteFile(filepath.Join(dir, tool), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, tool := range cfg.Env.Tools {
		if _, ok := standIns[tool]; ok {
			continue
		}
		if !slices.ContainsFunc(hostPath, func(d string) bool { return isExec(filepath.Join(d, tool)) }) {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed and CI is set: .ci/run installs it", tool)
			}
			t.Skipf("%s is not installed here (.ci/run installs it)", tool)
		}
	}
	cfg.Env.Path = append([]string{dir}, hostPath...)
	cfg.Sweep.Lockdir = filepath.Join(t.TempDir(), "lock")
	cfg.Env.RuntimeDir = ccci.RuntimeDir(cfg.Sweep.Lockdir)
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// readmeTOML is the README's first ```toml block.
func readmeTOML(t *testing.T, path string) []byte {
	t.Helper()
	blocks, err := shipped.Blocks(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks {
		if b.Lang == "toml" {
			return []byte(strings.Join(b.Lines, "\n") + "\n")
		}
	}
	t.Fatalf("%s has no ```toml block", path)
	return nil
}
