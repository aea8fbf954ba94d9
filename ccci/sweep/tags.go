package sweep

import (
	"context"
	"errors"
	"slices"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/recipe"
)

// Tags lists every tag of the enrolled recipe name, sorted by name, with
// its commit and whether it counts as a release (the latest marked) or
// why it is ignored: what "cc-ci-sweep tags" prints. A recipe that is not
// enrolled, or whose tags cannot be read, is a usage error naming it.
func Tags(ctx context.Context, cfg *ccci.Config, name string) ([]TagInfo, error) {
	in, err := enrolled(ctx, cfg, name)
	if err != nil {
		return nil, err
	}
	tags := in.tags
	if in.recipe.Dir != "" {
		if tags, err = recipe.LocalTags(ctx, in.recipe.Dir); err != nil {
			return nil, ccci.Usagef("recipe %s: %w", name, err)
		}
	}
	return tagInfos(tags), nil
}

// tagInfos classifies tags as recipe.Releases does.
func tagInfos(tags []recipe.Tag) []TagInfo {
	releases, ignored := recipe.Releases(recipe.TagNames(tags))
	why := map[string]string{}
	for _, e := range ignored {
		why[e.Tag] = tagReason(e)
	}
	latest := ""
	if len(releases) > 0 {
		latest = releases[len(releases)-1].String()
	}
	out := make([]TagInfo, len(tags))
	for i, t := range tags {
		v, _ := recipe.Parse(t.Name)
		out[i] = TagInfo{Name: t.Name, Commit: t.Commit, Class: v.Class().String(), Ignored: why[t.Name],
			Release: slices.ContainsFunc(releases, func(r recipe.Version) bool { return r.String() == t.Name }),
			Latest:  t.Name == latest}
	}
	return out
}

// tagReason is the reason of a *recipe.TagError without the tag.
func tagReason(e *recipe.TagError) string {
	if err := errors.Unwrap(e); err != nil {
		return err.Error()
	}
	return e.Error()
}
