package recipe

import (
	"context"
	"fmt"
	"slices"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/storage/memory"
	"golang.org/x/sync/errgroup"
)

// RemoteTags lists the tags of the git repository at url without cloning
// it, sorted by name, each with the commit it points to (the remote's
// peeled "^{}" entry for annotated tags). url is anything go-git speaks:
// https://, ssh://, git://, file:// or a local path.
func RemoteTags(ctx context.Context, url string) ([]Tag, error) {
	// A local repository is read directly: the in-process server (see
	// local.go) advertises no peeled entries.
	if ep, err := transport.NewEndpoint(url); err == nil && ep.Protocol == "file" {
		tags, err := LocalTags(ctx, ep.Path)
		if err != nil {
			return nil, fmt.Errorf("listing tags of %s: %w", url, err)
		}
		return tags, nil
	}
	rem := git.NewRemote(memory.NewStorage(), &config.RemoteConfig{Name: "origin", URLs: []string{url}})
	refs, err := rem.ListContext(ctx, &git.ListOptions{PeelingOption: git.AppendPeeled})
	if err != nil {
		return nil, fmt.Errorf("listing tags of %s: %w", url, err)
	}
	return foldPeeled(refs), nil
}

// foldPeeled turns advertised refs into tags: refs/tags/X^{} gives the
// commit of tag X.
func foldPeeled(refs []*plumbing.Reference) []Tag {
	byName := map[string]string{}
	peeled := map[string]string{}
	for _, ref := range refs {
		name := string(ref.Name())
		short, ok := strings.CutPrefix(name, "refs/tags/")
		if !ok || ref.Type() != plumbing.HashReference {
			continue
		}
		if base, ok := strings.CutSuffix(short, "^{}"); ok {
			peeled[base] = ref.Hash().String()
			continue
		}
		byName[short] = ref.Hash().String()
	}
	tags := make([]Tag, 0, len(byName))
	for name, h := range byName {
		if p, ok := peeled[name]; ok {
			h = p
		}
		tags = append(tags, Tag{Name: name, Commit: h})
	}
	slices.SortFunc(tags, func(a, b Tag) int { return strings.Compare(a.Name, b.Name) })
	return tags
}

// RemoteResult is the outcome of listing one remote.
type RemoteResult struct {
	URL  string
	Tags []Tag
	Err  error
}

// RemoteTagsAll lists the tags of every url, at most limit at a time
// (limit < 1 means 4). results[i] belongs to urls[i]; one remote failing
// never hides the others. When ctx ends, remotes not yet listed get its
// error.
func RemoteTagsAll(ctx context.Context, urls []string, limit int) []RemoteResult {
	if limit < 1 {
		limit = 4
	}
	results := make([]RemoteResult, len(urls))
	var g errgroup.Group
	g.SetLimit(limit)
	for i, url := range urls {
		results[i].URL = url
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				results[i].Err = fmt.Errorf("listing tags of %s: %w", url, err)
				return nil
			}
			results[i].Tags, results[i].Err = RemoteTags(ctx, url)
			return nil
		})
	}
	_ = g.Wait() // the goroutines never fail; errors live in results
	return results
}
