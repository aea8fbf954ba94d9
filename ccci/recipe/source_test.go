package recipe

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"coopcloud.tech/cc-ci/internal/gittest"
)

func TestValidName(t *testing.T) {
	for _, name := range []string{"gitea", "0x", "a.b_c-d", "nextcloud", strings.Repeat("a", 128)} {
		if err := ValidName(name); err != nil {
			t.Errorf("ValidName(%q) = %v, want nil", name, err)
		}
	}
	for _, name := range []string{"", ".", "..", "-x", "_x", ".git", "Gitea", "a/b", "a b", "../etc", "a\x00", "é", strings.Repeat("a", 129)} {
		if err := ValidName(name); !errors.Is(err, ErrName) {
			t.Errorf("ValidName(%q) = %v, want ErrName", name, err)
		}
	}
}

func TestFromDir(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"gitea", "Bad", "notgit", "nextcloud"} {
		if err := os.Mkdir(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	gittest.Run(t, filepath.Join(dir, "gitea"), "init", "-q")
	gittest.Run(t, filepath.Join(dir, "gitea"), "remote", "add", "origin", "https://git.coopcloud.tech/coop-cloud/gitea.git")
	gittest.Run(t, filepath.Join(dir, "nextcloud"), "init", "-q")
	gittest.Run(t, filepath.Join(dir, "Bad"), "init", "-q")
	if err := os.WriteFile(filepath.Join(dir, "README"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	got, skipped, err := FromDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []Recipe{
		{Name: "gitea", Dir: filepath.Join(dir, "gitea"), Repository: "https://git.coopcloud.tech/coop-cloud/gitea.git"},
		{Name: "nextcloud", Dir: filepath.Join(dir, "nextcloud")},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FromDir (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"gitea", "nextcloud"}, Names(got)); diff != "" {
		t.Errorf("Names(FromDir) (-want +got):\n%s", diff)
	}
	if len(skipped) != 2 || !errors.Is(skipped[0], ErrName) || !strings.Contains(skipped[1].Error(), "notgit") {
		t.Errorf("FromDir skipped %v, want Bad (name) and notgit", skipped)
	}
	if _, _, err := FromDir(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("FromDir(missing) error = %v, want one naming it", err)
	}
}

func TestFromCatalogue(t *testing.T) {
	got, skipped, err := FromCatalogue("testdata/recipes.json")
	if err != nil {
		t.Fatal(err)
	}
	want := []Recipe{
		{Name: "gitea", Repository: "https://git.coopcloud.tech/coop-cloud/gitea.git"},
		{Name: "nextcloud", Repository: "https://git.coopcloud.tech/coop-cloud/nextcloud.git"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FromCatalogue (-want +got):\n%s", diff)
	}
	var msgs []string
	for _, e := range skipped {
		msgs = append(msgs, e.Error())
	}
	wantSkipped := []string{
		`testdata/recipes.json:7: recipe name "Bad Name": recipe names must match ^[a-z0-9][a-z0-9._-]*$`,
		`testdata/recipes.json:17: recipe norepo: no repository`,
		`testdata/recipes.json:21: recipe alias: name "other" differs from its key`,
	}
	if diff := cmp.Diff(wantSkipped, msgs); diff != "" {
		t.Errorf("FromCatalogue skipped (-want +got):\n%s", diff)
	}
}

func TestFromCatalogueCorrupt(t *testing.T) {
	tests := []struct{ data, want string }{
		{"", "x.json:1: unexpected end of file"},
		{"[]", `x.json:1: expected '{', found '['`},
		{"{\n \"a\": {\"name\": \"a\",\n \"repository\": 1}\n}", `x.json:2: recipe "a": json: cannot unmarshal number`},
		{"{\n \"a\": {\"name\": \"a\",\n\n \"repository\": \"x\",,}\n}", "x.json:4: recipe \"a\": invalid character ','"},
		{"{\n\"a\": {}\n", "x.json:2: unexpected end of file"},
		{"{\n\"a\": {\"name\": ", "x.json:2: recipe \"a\": unexpected end of file"},
		{"{}\n{}", "x.json:2: data after the catalogue object"},
		{"{\"a\" 1}", "x.json:1: recipe \"a\": expected colon after object key"},
	}
	for _, tt := range tests {
		path := filepath.Join(t.TempDir(), "x.json")
		if err := os.WriteFile(path, []byte(tt.data), 0o644); err != nil {
			t.Fatal(err)
		}
		_, _, err := FromCatalogue(path)
		if err == nil || !strings.HasPrefix(err.Error(), filepath.Dir(path)) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("FromCatalogue(%q) error = %v, want %q", tt.data, err, tt.want)
		}
	}
	if _, _, err := FromCatalogue("testdata/missing.json"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("FromCatalogue(missing) error = %v, want ErrNotExist", err)
	}
}
