// Package shipped reads, for tests, the configs cc-ci ships in other
// forms than a TOML file: the fenced code blocks of README.md, and
// examples/nixos/settings.nix evaluated and written as TOML, as the NixOS
// module does with pkgs.formats.toml.
package shipped

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// Block is one fenced code block of a Markdown file.
type Block struct {
	Lang  string // after the opening fence: "sh", "toml", ...
	Line  int    // of the opening fence
	Lines []string
}

// Blocks returns the fenced code blocks of the Markdown file at path.
func Blocks(path string) ([]Block, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var blocks []Block
	var cur *Block
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		text := sc.Text()
		switch {
		case cur == nil && strings.HasPrefix(text, "```"):
			cur = &Block{Lang: strings.TrimPrefix(text, "```"), Line: n}
		case cur != nil && text == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.Lines = append(cur.Lines, text)
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("%s:%d: code block never closed", path, cur.Line)
	}
	return blocks, sc.Err()
}

// NixInstantiate finds nix-instantiate (Debian's nix-bin, no daemon
// needed) or skips the test; with $CI set it fails instead.
func NixInstantiate(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("nix-instantiate")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("nix-instantiate not found and CI is set: apt-get install -y nix-bin")
		}
		t.Skip("nix-instantiate not found (apt-get install -y nix-bin)")
	}
	return path
}

// NixTOML evaluates the Nix expression expr in dir with nix-instantiate
// (at path nix) and returns its value written as TOML, whole numbers as
// the integers Nix had (JSON would make them floats).
func NixTOML(nix, dir, expr string) ([]byte, error) {
	cmd := exec.Command(nix, "--eval", "--strict", "--json", "-E", expr)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("nix-instantiate --eval %s: %w: %s", expr, err, ee.Stderr)
		}
		return nil, err
	}
	var value map[string]any
	if err := json.Unmarshal(out, &value); err != nil {
		return nil, err
	}
	integers(value)
	var b bytes.Buffer
	err = toml.NewEncoder(&b).Encode(value)
	return b.Bytes(), err
}

// integers turns JSON's whole float64 numbers back into integers.
func integers(m map[string]any) {
	for k, v := range m {
		switch v := v.(type) {
		case float64:
			if v == float64(int64(v)) {
				m[k] = int64(v)
			}
		case map[string]any:
			integers(v)
		}
	}
}
