package sweep

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/recipe"
)

// warnings collects the Warning events of a verb.
func warnings(errs *[]error) *events {
	return newEvents(func(ev Event) { *errs = append(*errs, ev.Err) })
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
	cfg := &ccci.Config{Sweep: ccci.Sweep{Recipes: dir, Exclude: []string{"nextcloud"}}}
	var skipped []error
	rs, err := enrol(t.Context(), cfg, warnings(&skipped))
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

func TestEnrolCatalogue(t *testing.T) {
	path := filepath.Join(t.TempDir(), "recipes.json")
	cat := `{"gitea": {"name": "gitea", "repository": "https://git.coopcloud.tech/coop-cloud/gitea.git", "versions": []},
 "matrix-synapse": {"name": "matrix-synapse", "repository": "https://git.coopcloud.tech/coop-cloud/matrix-synapse.git", "versions": []}}`
	if err := os.WriteFile(path, []byte(cat), 0o644); err != nil {
		t.Fatal(err)
	}
	rs, err := enrol(t.Context(), &ccci.Config{Sweep: ccci.Sweep{Catalogue: path, Recipes: "/ignored"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []recipe.Recipe{
		{Name: "gitea", Repository: "https://git.coopcloud.tech/coop-cloud/gitea.git"},
		{Name: "matrix-synapse", Repository: "https://git.coopcloud.tech/coop-cloud/matrix-synapse.git"},
	}
	if diff := cmp.Diff(want, rs); diff != "" {
		t.Errorf("enrol(catalogue) mismatch (-want +got):\n%s", diff)
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
		cfg  ccci.Sweep
		want string
	}{
		{ccci.Sweep{Recipes: empty}, "folder " + empty + ": nothing enrolled (0 found"},
		{ccci.Sweep{Recipes: one, Exclude: []string{"gitea"}}, "(1 found, 1 excluded, 0 skipped)"},
		{ccci.Sweep{Recipes: notgit}, "(0 found, 0 excluded, 1 skipped)"},
		{ccci.Sweep{Recipes: filepath.Join(empty, "missing")}, "no such file"},
		{ccci.Sweep{}, "no recipes folder"},
		{ccci.Sweep{Catalogue: filepath.Join(empty, "recipes.json")}, "catalogue " + empty},
	}
	for _, tt := range tests {
		rs, err := enrol(t.Context(), &ccci.Config{Sweep: tt.cfg}, nil)
		if !errors.Is(err, ccci.ErrNothingEnrolled) || rs != nil {
			t.Errorf("enrol(%+v) = %v, %v, want no recipes and ErrNothingEnrolled", tt.cfg, rs, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("enrol(%+v) error %q, want it to say %q", tt.cfg, err, tt.want)
		}
		if code := ccci.ExitCode(err); code != ccci.ExitEnv {
			t.Errorf("ExitCode(enrol(%+v)) = %d, want %d", tt.cfg, code, ccci.ExitEnv)
		}
	}
}

// TestEnrolExcludeTypo: an excluded name the source does not hold is a
// config error (exit 2) at the line of sweep.exclude, never a recipe
// silently tested.
func TestEnrolExcludeTypo(t *testing.T) {
	dir, _ := recipesDir(t, map[string][]string{"gitea": {"1.0.0+1"}, "keycloak": {"1.0.0+1"}})
	text := fmt.Sprintf("[sweep]\nrecipes = %q\n\nexclude = [\"gitae\"]\n", dir)
	cfg, err := ccci.ParseConfig("/etc/cc-ci/ccci.toml", []byte(text), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	rs, err := enrol(t.Context(), cfg, nil)
	want := "/etc/cc-ci/ccci.toml:4: sweep.exclude names recipes folder " + dir + " does not hold: gitae"
	if rs != nil || err == nil || err.Error() != want || ccci.ExitCode(err) != ccci.ExitUsage {
		t.Errorf("enrol with a typo in exclude = %v, %v; want %q, exit 2", rs, err, want)
	}
}
