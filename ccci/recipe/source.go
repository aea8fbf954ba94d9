package recipe

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"coopcloud.tech/cc-ci/internal/recipename"
	git "github.com/go-git/go-git/v5"
)

// Recipe is one enrolled recipe.
type Recipe struct {
	Name       string // validated with ValidName
	Dir        string // local clone, "" when only a repository URL is known
	Repository string // remote URL, "" when unknown
}

// ErrName is wrapped by the error ValidName returns.
var ErrName = recipename.ErrName

// ValidName checks a recipe name before it touches a path or a command:
// ^[a-z0-9][a-z0-9._-]*$, at most 128 bytes (the rule of
// internal/recipename, which the config check applies too).
func ValidName(name string) error { return recipename.Check(name) }

// FromDir enrols each subfolder of dir that is a git repository, sorted by
// name, with Repository set to its "origin" URL when it has one. Entries
// with a bad name, and folders that are not git repositories, are reported
// in skipped; files are ignored. err is set only when dir cannot be read.
func FromDir(dir string) (recipes []Recipe, skipped []error, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("reading recipes in %s: %w", dir, err)
	}
	for _, e := range entries { // ReadDir sorts by name
		path := filepath.Join(dir, e.Name())
		if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
			continue
		}
		if err := ValidName(e.Name()); err != nil {
			skipped = append(skipped, fmt.Errorf("%s: %w", path, err))
			continue
		}
		r, err := open(path)
		if err != nil {
			skipped = append(skipped, fmt.Errorf("%s: %w", path, err))
			continue
		}
		recipes = append(recipes, Recipe{Name: e.Name(), Dir: path, Repository: originURL(r)})
	}
	return recipes, skipped, nil
}

// originURL returns the first URL of the "origin" remote, or "".
func originURL(r *git.Repository) string {
	rem, err := r.Remote("origin")
	if err != nil || len(rem.Config().URLs) == 0 {
		return ""
	}
	return rem.Config().URLs[0]
}

// Names returns the names of recipes, in order.
func Names(recipes []Recipe) []string {
	names := make([]string, len(recipes))
	for i, r := range recipes {
		names[i] = r.Name
	}
	return names
}

// sortRecipes sorts by name.
func sortRecipes(rs []Recipe) {
	slices.SortFunc(rs, func(a, b Recipe) int { return strings.Compare(a.Name, b.Name) })
}
