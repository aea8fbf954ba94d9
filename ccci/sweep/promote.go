package sweep

import (
	"context"
	"slices"
	"strings"
	"time"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/recipe"
)

// PromoteByHand makes version, a release tag of the enrolled recipe name,
// its canonical version with status StatusByHand: what "cc-ci-sweep
// promote" does. Going back to an older version is allowed; the result
// says so (Older). A recipe that is not enrolled, or a version that is
// not one of its release tags, is a usage error (ccci.ErrUsage); the state
// file is written as a sweep's promotion is.
func PromoteByHand(ctx context.Context, cfg *ccci.Config, name, version string) (*Promotion, error) {
	if err := recipe.ValidName(name); err != nil {
		return nil, ccci.Usagef("promote: %w", err)
	}
	in, err := enrolled(ctx, cfg, name)
	if err != nil {
		return nil, err
	}
	if in.recipe.Dir == "" {
		return nil, ccci.Usagef("promote: recipe %q has no local clone", name)
	}
	releases, _ := recipe.Releases(recipe.TagNames(in.tags))
	i := slices.IndexFunc(releases, func(v recipe.Version) bool { return v.String() == version })
	if i < 0 {
		return nil, ccci.Usagef("promote: %q is not a release tag of %s", version, name)
	}
	commit, err := recipe.PeelTag(ctx, in.recipe.Dir, version)
	if err != nil {
		return nil, err
	}
	v := releases[i]
	replaced, err := writeCanonical(ctx, cfg.Sweep.State, name, v, commit, StatusByHand, time.Now(), nil)
	if err != nil {
		return nil, err
	}
	p := &Promotion{Recipe: name, Version: version, Commit: commit, Replaced: replaced}
	if old, err := recipe.Parse(replaced); err == nil && recipe.Compare(v, old) < 0 {
		p.Older = true
	}
	return p, nil
}

// enrolled reads the tags of one enrolled recipe, checking the state file
// first so that a corrupt one stops every verb alike. A name that is not
// enrolled, or whose tags cannot be read, is a usage error naming it.
func enrolled(ctx context.Context, cfg *ccci.Config, name string) (*input, error) {
	if cfg == nil {
		return nil, ccci.Usagef("sweep: no config")
	}
	if _, err := readState(cfg.Sweep.State); err != nil {
		return nil, err
	}
	var skipped []error
	recipes, err := enrol(ctx, cfg, &events{fn: func(ev Event) { skipped = append(skipped, ev.Err) }})
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(recipes, func(r recipe.Recipe) bool { return r.Name == name })
	if i < 0 {
		for _, s := range skipped { // a folder that is not a git repository, say
			if strings.Contains(s.Error(), "/"+name+": ") {
				return nil, ccci.Usagef("recipe %q is not enrolled: %w", name, s)
			}
		}
		return nil, ccci.Usagef("recipe %q is not enrolled", name)
	}
	in := readInputs(ctx, recipes[i:i+1])[0]
	if in.err != nil {
		return nil, ccci.Usagef("recipe %s: %w", name, in.err)
	}
	return &in, nil
}
