package shipped

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBlocks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "README.md")
	text := "# x\n\n```sh\ngo test ./...\n```\ntext\n```toml\n[env]\npath = [\"/bin\"]\n```\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Blocks(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []Block{{Lang: "sh", Line: 3, Lines: []string{"go test ./..."}},
		{Lang: "toml", Line: 7, Lines: []string{"[env]", `path = ["/bin"]`}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Blocks (-want +got):\n%s", diff)
	}
	if err := os.WriteFile(path, []byte("```sh\nls\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Blocks(path); err == nil || !strings.HasSuffix(err.Error(), ":1: code block never closed") {
		t.Errorf("Blocks of an open block = %v, want it named", err)
	}
}

func TestNixTOML(t *testing.T) {
	nix := NixInstantiate(t)
	got, err := NixTOML(nix, t.TempDir(), `{ sweep = { jobs = 2; timeout = "60m"; }; env.strict = true; }`)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"jobs = 2\n", `timeout = "60m"`, "strict = true"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("NixTOML = %q, want it to hold %q", got, want)
		}
	}
}
