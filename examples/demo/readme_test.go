package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/internal/shipped"
)

// readmeBlocks is README.md's fenced code blocks.
func readmeBlocks(t *testing.T, path string) []shipped.Block {
	t.Helper()
	blocks, err := shipped.Blocks(path)
	if err != nil {
		t.Fatal(err)
	}
	return blocks
}

// TestREADME keeps README.md true to the binaries. Every line of a ```sh
// block is run, as written, against a demo directory (the config of
// go run ./examples/demo, named by $CCCI_CONFIG, host paths mapped into
// it) with cc-ci-run and cc-ci-sweep built from this tree first on PATH,
// in order, and must exit 0, or N when the line ends in a comment that
// says "exits N".
// The test command itself is not run here: .ci/run must run it verbatim.
// ```shell blocks change a host (users, systemd) and cannot run here:
// their commands must be host administration and every examples/ file
// they install must exist (systemd_test.go verifies the units). The
// ```toml block must be a valid config.
func TestREADME(t *testing.T) {
	if testing.Short() {
		t.Skip("builds both binaries and runs every README command")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	blocks := readmeBlocks(t, filepath.Join(root, "README.md"))
	sb := newSandbox(t, root)
	ran := 0
	for _, b := range blocks {
		switch b.Lang {
		case "sh":
			for i, line := range b.Lines {
				if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
					continue
				}
				sb.check(t, b.Line+1+i, line)
				ran++
			}
		case "shell":
			checkHostBlock(t, root, b)
		case "toml":
			data := []byte(strings.Join(b.Lines, "\n"))
			if _, err := ccci.ParseConfig("README.md", data, func(string) string { return "" }); err != nil {
				t.Errorf("README.md:%d: config example: %v", b.Line, err)
			}
		}
	}
	if ran < 10 {
		t.Errorf("ran %d README commands; the README lost its examples?", ran)
	}
}

// sandbox is a demo directory with the binaries on PATH.
type sandbox struct {
	root, dir string
	env       []string
	replace   *strings.Replacer
}

func newSandbox(t *testing.T, root string) *sandbox {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	d, err := build(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "bin")
	build := exec.Command("go", "build", "-o", bin+"/", "./cmd/cc-ci-run", "./cmd/cc-ci-sweep")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	newConfig := filepath.Join(dir, "ccci.toml.new")
	if err := os.WriteFile(newConfig, []byte(d.configText), 0o644); err != nil {
		t.Fatal(err)
	}
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "PATH=") || strings.HasPrefix(kv, "CCCI_") || strings.HasPrefix(kv, "GOBIN=")
	})
	env = append(env, "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"CCCI_CONFIG="+d.configPath, "GOBIN="+filepath.Join(dir, "gobin"))
	return &sandbox{root: root, dir: dir, env: env, replace: strings.NewReplacer(
		"/etc/cc-ci/ccci.toml.new", newConfig,
		"/etc/cc-ci/ccci.toml", d.configPath,
		"/var/lib/cc-ci/", dir+"/",
	)}
}

// testCommand is the README's test command: .ci/run runs it, verbatim.
const testCommand = "go test -race ./..."

func (sb *sandbox) check(t *testing.T, line int, cmdline string) {
	t.Helper()
	if cmdline == testCommand {
		ci, err := os.ReadFile(filepath.Join(sb.root, ".ci", "run"))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(strings.Split(string(ci), "\n"), testCommand) {
			t.Errorf("README.md:%d: .ci/run does not run the README's test command %q", line, testCommand)
		}
		return
	}
	want := 0
	if m := exitsRE.FindStringSubmatch(cmdline); m != nil {
		want, _ = strconv.Atoi(m[1])
	}
	cmd := exec.Command("bash", "-c", sb.replace.Replace(cmdline))
	cmd.Dir = sb.root
	cmd.Env = sb.env
	out, err := cmd.CombinedOutput()
	got := cmd.ProcessState.ExitCode()
	if err != nil && got < 0 {
		t.Fatalf("README.md:%d: %s: %v", line, cmdline, err)
	}
	if got != want {
		t.Errorf("README.md:%d: %s: exit %d, want %d\n%s", line, cmdline, got, want, out)
	}
}

// exitsRE finds "# ... exits N ..." at the end of a README command line.
var exitsRE = regexp.MustCompile(`#.*\bexits (\d+)\b`)

// hostCommands are what a ```shell block may run: host administration.
var hostCommands = []string{"useradd", "install", "systemd-tmpfiles", "systemctl", "apt-get"}

func checkHostBlock(t *testing.T, root string, b shipped.Block) {
	t.Helper()
	for i, line := range b.Lines {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if !slices.Contains(hostCommands, fields[0]) {
			t.Errorf("README.md:%d: %q in a ```shell block: use ```sh for commands the test can run", b.Line+1+i, fields[0])
		}
		for _, f := range fields {
			if strings.HasPrefix(f, "examples/") {
				if _, err := os.Stat(filepath.Join(root, f)); err != nil {
					t.Errorf("README.md:%d: %v", b.Line+1+i, err)
				}
			}
		}
	}
}
