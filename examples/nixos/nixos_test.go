// Package nixos holds the NixOS module of the operator's kit; this test
// parses the Nix files with nix-instantiate (Debian's nix-bin, no daemon
// needed), evaluates settings.nix, and loads the TOML it becomes with the
// same ccci.LoadConfig the binaries use.
package nixos

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/internal/shipped"
)

func TestParse(t *testing.T) {
	nix := shipped.NixInstantiate(t)
	for _, f := range []string{"module.nix", "settings.nix"} {
		if out, err := exec.Command(nix, "--parse", f).CombinedOutput(); err != nil {
			t.Errorf("nix-instantiate --parse %s: %v\n%s", f, err, out)
		}
	}
}

// TestSettings evaluates settings.nix as the module does, writes it as
// TOML and loads it: every key must be one the config knows.
func TestSettings(t *testing.T) {
	nix := shipped.NixInstantiate(t)
	expr := `import ./settings.nix { toolsBin = "/nix/store/00000000000000000000000000000000-cc-ci-tools/bin"; }`
	text, err := shipped.NixTOML(nix, ".", expr)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ccci.toml")
	if err := os.WriteFile(path, text, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := ccci.LoadConfig(path, func(string) string { return "" })
	if err != nil {
		t.Fatalf("LoadConfig(settings.nix as TOML) = %v", err)
	}
	wantPath := []string{"/nix/store/00000000000000000000000000000000-cc-ci-tools/bin", "/run/current-system/sw/bin"}
	if diff := cmp.Diff(wantPath, cfg.Env.Path); diff != "" {
		t.Errorf("[env] path (-want +got):\n%s", diff)
	}
	if cfg.Sweep.Lockdir != "/run/cc-ci" || cfg.Sweep.State != "/var/lib/cc-ci/canonical.json" {
		t.Errorf("lockdir, state = %q, %q, want /run/cc-ci, /var/lib/cc-ci/canonical.json", cfg.Sweep.Lockdir, cfg.Sweep.State)
	}
	// The Debian example declares the same tools and sweep.
	debian, err := ccci.LoadConfig("../systemd/ccci.toml", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(debian.Env.Tools, cfg.Env.Tools); diff != "" {
		t.Errorf("tools: systemd/ccci.toml and settings.nix differ (-debian +nix):\n%s", diff)
	}
	if !debian.Env.Strict || !cfg.Env.Strict {
		t.Errorf("strict: systemd/ccci.toml %v, settings.nix %v; want both strict", debian.Env.Strict, cfg.Env.Strict)
	}
	// The sweep's settings must match too, but for the recipe clones'
	// folder and the test command, which each host places where it keeps them.
	dSweep, nSweep := debian.Sweep, cfg.Sweep
	dSweep.Recipes, nSweep.Recipes, dSweep.Run, nSweep.Run = "", "", nil, nil
	if diff := cmp.Diff(dSweep, nSweep); diff != "" {
		t.Errorf("[sweep]: systemd/ccci.toml and settings.nix differ (-debian +nix):\n%s", diff)
	}
}

// TestModuleBuildsBothBinaries checks the module's subPackages exist and
// that login shells get cc-ci-run -export.
func TestModuleBuildsBothBinaries(t *testing.T) {
	b, err := os.ReadFile("module.nix")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`subPackages = \[ "([^"]+)" "([^"]+)" \];`).FindSubmatch(b)
	if m == nil {
		t.Fatal("module.nix has no subPackages list of two")
	}
	for _, pkg := range m[1:] {
		if _, err := os.Stat(filepath.Join("..", "..", string(pkg), "main.go")); err != nil {
			t.Errorf("module.nix builds %s: %v", pkg, err)
		}
	}
	for _, want := range []string{`bin/cc-ci-run -export)"`, "pkgs.formats.toml", "buildGoModule", "Persistent = true"} {
		if !regexp.MustCompile(regexp.QuoteMeta(want)).Match(b) {
			t.Errorf("module.nix lacks %q", want)
		}
	}
}

// TestModuleMatchesUnit: every [Service] setting of the Debian unit
// (examples/systemd/cc-ci-sweep.service) is also set by the NixOS module,
// so the two ways of installing the sweep cannot drift apart unseen.
func TestModuleMatchesUnit(t *testing.T) {
	unit, err := os.ReadFile("../systemd/cc-ci-sweep.service")
	if err != nil {
		t.Fatal(err)
	}
	module, err := os.ReadFile("module.nix")
	if err != nil {
		t.Fatal(err)
	}
	inService := false
	for line := range strings.Lines(string(unit)) {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "["):
			inService = line == "[Service]"
		case inService && line != "" && !strings.HasPrefix(line, "#"):
			key, _, _ := strings.Cut(line, "=")
			if !regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(key) + ` = `).Match(module) {
				t.Errorf("cc-ci-sweep.service sets %s; module.nix does not", key)
			}
		}
	}
}
