package sweep

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/recipe"
)

// Enrol lists the recipes the sweep covers, sorted by name: the catalogue
// file cfg.Catalogue if set, else the folder of clones cfg.Recipes (else
// recipe.DefaultDir(getenv); a leading "~/" is $HOME), minus cfg.Exclude.
// Entries the source holds but cannot use (bad names, folders that are not
// git repositories) come back in skipped and are not fatal. An empty set,
// or a source that cannot be read, is an error wrapping
// ccci.ErrNothingEnrolled (exit 3) that names the source.
func Enrol(ctx context.Context, cfg *ccci.Sweep, getenv func(string) string) (recipes []recipe.Recipe, skipped []error, err error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	src, all, skipped, err := enrolSource(cfg, getenv)
	if err != nil {
		return nil, skipped, fmt.Errorf("enrolling recipes from %s: %w: %w", src, ccci.ErrNothingEnrolled, err)
	}
	excluded := 0
	for _, r := range all {
		if slices.Contains(cfg.Exclude, r.Name) {
			excluded++
			continue
		}
		recipes = append(recipes, r)
	}
	if len(recipes) == 0 {
		return nil, skipped, &enrolError{src: src, found: len(all), excluded: excluded, skipped: len(skipped)}
	}
	slices.SortFunc(recipes, func(a, b recipe.Recipe) int { return strings.Compare(a.Name, b.Name) })
	return recipes, skipped, nil
}

// enrolSource reads the configured source; src names it for messages.
func enrolSource(cfg *ccci.Sweep, getenv func(string) string) (src string, rs []recipe.Recipe, skipped []error, err error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if cfg.Catalogue != "" {
		src = "catalogue " + expandHome(cfg.Catalogue, getenv)
		rs, skipped, err = recipe.FromCatalogue(expandHome(cfg.Catalogue, getenv))
		return src, rs, skipped, err
	}
	dir := cfg.Recipes
	if dir == "" {
		dir = recipe.DefaultDir(getenv)
	}
	if dir == "" {
		return "folder (none)", nil, nil, errors.New("no recipes folder: set [sweep] recipes, $ABRA_DIR or $HOME")
	}
	dir = expandHome(dir, getenv)
	rs, skipped, err = recipe.FromDir(dir)
	return "folder " + dir, rs, skipped, err
}

// expandHome replaces a leading "~/" with $HOME.
func expandHome(p string, getenv func(string) string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home := getenv("HOME"); home != "" {
			return filepath.Join(home, rest)
		}
	}
	return p
}

// enrolError is an empty enrolled set.
type enrolError struct {
	src                      string
	found, excluded, skipped int
}

func (e *enrolError) Error() string {
	return fmt.Sprintf("enrolling recipes from %s: %s (%d found, %d excluded, %d skipped)",
		e.src, ccci.ErrNothingEnrolled, e.found, e.excluded, e.skipped)
}

func (e *enrolError) Unwrap() error { return ccci.ErrNothingEnrolled }
