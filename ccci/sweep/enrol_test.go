package sweep

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/recipe"
)

func getenvOf(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestEnrolFolder(t *testing.T) {
	dir, _ := recipesDir(t, map[string][]string{
		"gitea":     {"3.5.3+1.24.2"},
		"nextcloud": {"5.0.0+29.0.1-fpm"},
		"zulip":     nil,
	})
	for _, p := range []string{"Not_A_Name", "notgit"} {
		if err := os.Mkdir(filepath.Join(dir, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "README"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := &ccci.Sweep{Recipes: dir, Exclude: []string{"nextcloud", "unknown"}}
	rs, skipped, err := Enrol(t.Context(), cfg, getenvOf())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"gitea", "zulip"}, recipe.Names(rs)); diff != "" {
		t.Errorf("Enrol names mismatch (-want +got):\n%s", diff)
	}
	if rs[0].Dir != filepath.Join(dir, "gitea") {
		t.Errorf("Enrol gitea Dir = %q, want %q", rs[0].Dir, filepath.Join(dir, "gitea"))
	}
	if len(skipped) != 2 {
		t.Errorf("Enrol skipped = %v, want Not_A_Name and notgit", skipped)
	}
}

func TestEnrolDefaultDir(t *testing.T) {
	abra := t.TempDir()
	makeRepo(t, filepath.Join(abra, "recipes", "gitea"), "3.5.3+1.24.2")
	home := t.TempDir()
	makeRepo(t, filepath.Join(home, "mine", "keycloak"), "1.0.0+24.0")
	tests := []struct {
		cfg    ccci.Sweep
		getenv func(string) string
		want   string
	}{
		{ccci.Sweep{}, getenvOf("ABRA_DIR", abra), "gitea"},
		{ccci.Sweep{Recipes: "~/mine"}, getenvOf("HOME", home), "keycloak"},
	}
	for _, tt := range tests {
		rs, _, err := Enrol(t.Context(), &tt.cfg, tt.getenv)
		if err != nil || len(rs) != 1 || rs[0].Name != tt.want {
			t.Errorf("Enrol(%+v) = %v, %v, want [%s]", tt.cfg, rs, err, tt.want)
		}
	}
}

func TestEnrolCatalogue(t *testing.T) {
	path := filepath.Join(t.TempDir(), "recipes.json")
	cat := `{"gitea": {"name": "gitea", "repository": "https://git.coopcloud.tech/coop-cloud/gitea.git", "versions": []},
 "matrix-synapse": {"name": "matrix-synapse", "repository": "https://git.coopcloud.tech/coop-cloud/matrix-synapse.git", "versions": []}}`
	if err := os.WriteFile(path, []byte(cat), 0o644); err != nil {
		t.Fatal(err)
	}
	rs, _, err := Enrol(t.Context(), &ccci.Sweep{Catalogue: path, Recipes: "/ignored"}, getenvOf())
	if err != nil {
		t.Fatal(err)
	}
	want := []recipe.Recipe{
		{Name: "gitea", Repository: "https://git.coopcloud.tech/coop-cloud/gitea.git"},
		{Name: "matrix-synapse", Repository: "https://git.coopcloud.tech/coop-cloud/matrix-synapse.git"},
	}
	if diff := cmp.Diff(want, rs); diff != "" {
		t.Errorf("Enrol(catalogue) mismatch (-want +got):\n%s", diff)
	}
}

// TestEnrolNothing: an empty set is an error naming the source, exit 3,
// never an empty success.
func TestEnrolNothing(t *testing.T) {
	empty := t.TempDir()
	one, _ := recipesDir(t, map[string][]string{"gitea": {"1.0.0+1"}})
	notgit := t.TempDir()
	os.Mkdir(filepath.Join(notgit, "gitea"), 0o755)
	tests := []struct {
		cfg    ccci.Sweep
		getenv func(string) string
		want   string
	}{
		{ccci.Sweep{Recipes: empty}, getenvOf(), "folder " + empty + ": nothing enrolled (0 found"},
		{ccci.Sweep{Recipes: one, Exclude: []string{"gitea"}}, getenvOf(), "(1 found, 1 excluded, 0 skipped)"},
		{ccci.Sweep{Recipes: notgit}, getenvOf(), "(0 found, 0 excluded, 1 skipped)"},
		{ccci.Sweep{Recipes: filepath.Join(empty, "missing")}, getenvOf(), "no such file"},
		{ccci.Sweep{}, getenvOf(), "no recipes folder"},
		{ccci.Sweep{Catalogue: filepath.Join(empty, "recipes.json")}, getenvOf(), "catalogue " + empty},
	}
	for _, tt := range tests {
		rs, _, err := Enrol(t.Context(), &tt.cfg, tt.getenv)
		if !errors.Is(err, ccci.ErrNothingEnrolled) || rs != nil {
			t.Errorf("Enrol(%+v) = %v, %v, want no recipes and ErrNothingEnrolled", tt.cfg, rs, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Enrol(%+v) error %q, want it to say %q", tt.cfg, err, tt.want)
		}
		if code := ccci.ExitCode(err); code != ccci.ExitEnv {
			t.Errorf("ExitCode(Enrol(%+v)) = %d, want %d", tt.cfg, code, ccci.ExitEnv)
		}
	}
}
