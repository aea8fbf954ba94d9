package recipe

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// Tag is a tag name and the commit it points to (annotated tags peeled), hex.
type Tag struct {
	Name   string
	Commit string
}

// TagNames returns the names of tags, in order.
func TagNames(tags []Tag) []string {
	names := make([]string, len(tags))
	for i, t := range tags {
		names[i] = t.Name
	}
	return names
}

// maxPeel bounds chains of tags of tags.
const maxPeel = 16

// open opens the git repository at dir (a work tree or a bare repository)
// without looking in parent folders.
func open(dir string) (*git.Repository, error) {
	return git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{EnableDotGitCommonDir: true})
}

// LocalTags returns the tags of the git repository at dir, sorted by name,
// each with the commit it points to: annotated tags are peeled (through
// tags of tags) to the first object that is not a tag. It reads loose and
// packed refs with go-git and never runs git, so it gives what
// `git for-each-ref refs/tags` gives.
func LocalTags(ctx context.Context, dir string) ([]Tag, error) {
	r, refs, err := openTagRefs(ctx, dir)
	if err != nil {
		return nil, err
	}
	objs, packed, done := objectReader(r)
	defer done()
	tags := make([]Tag, 0, len(refs))
	for _, ref := range refs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if p, ok := packed[string(ref.Name())]; ok && p.hash == ref.Hash() {
			tags = append(tags, Tag{Name: tagName(ref), Commit: p.peeled.String()})
			continue
		}
		h, err := peel(objs, ref.Hash())
		if err != nil {
			return nil, fmt.Errorf("reading tag %s of %s: %w", tagName(ref), dir, err)
		}
		tags = append(tags, Tag{Name: tagName(ref), Commit: h.String()})
	}
	return tags, nil
}

// LocalTagNames returns the tag names of the git repository at dir, sorted.
// It reads only refs (loose and packed), no objects: the fast way to learn a
// clone's versions.
func LocalTagNames(ctx context.Context, dir string) ([]string, error) {
	_, refs, err := openTagRefs(ctx, dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(refs))
	for i, ref := range refs {
		names[i] = tagName(ref)
	}
	return names, nil
}

// openTagRefs opens the repository at dir and lists its tag refs.
func openTagRefs(ctx context.Context, dir string) (*git.Repository, []*plumbing.Reference, error) {
	r, err := open(dir)
	if err == nil {
		var refs []*plumbing.Reference
		if refs, err = tagRefs(ctx, r); err == nil {
			return r, refs, nil
		}
	}
	return nil, nil, fmt.Errorf("reading tags of %s: %w", dir, err)
}

// tagRefs returns refs/tags/*, symbolic refs resolved (dangling ones left
// out, as git does), sorted by name.
func tagRefs(ctx context.Context, r *git.Repository) ([]*plumbing.Reference, error) {
	iter, err := r.Tags()
	if err != nil {
		return nil, err
	}
	var refs []*plumbing.Reference
	err = iter.ForEach(func(ref *plumbing.Reference) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if ref.Type() == plumbing.SymbolicReference {
			res, err := storer.ResolveReference(r.Storer, ref.Name())
			if errors.Is(err, plumbing.ErrReferenceNotFound) {
				return nil // dangling: git for-each-ref skips it too
			}
			if err != nil {
				return fmt.Errorf("resolving %s: %w", ref.Name(), err)
			}
			ref = plumbing.NewHashReference(ref.Name(), res.Hash())
		}
		refs = append(refs, ref)
		return nil
	})
	slices.SortFunc(refs, func(a, b *plumbing.Reference) int {
		return strings.Compare(string(a.Name()), string(b.Name()))
	})
	return refs, err
}

// PeelTag returns the commit that tag name of the repository at dir points
// to (annotated tags peeled).
func PeelTag(ctx context.Context, dir, name string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	r, err := open(dir)
	if err != nil {
		return "", fmt.Errorf("reading tag %s of %s: %w", name, dir, err)
	}
	ref, err := r.Reference(plumbing.NewTagReferenceName(name), true)
	if err != nil {
		return "", fmt.Errorf("reading tag %s of %s: %w", name, dir, err)
	}
	objs, packed, done := objectReader(r)
	defer done()
	if p, ok := packed[string(ref.Name())]; ok && p.hash == ref.Hash() {
		return p.peeled.String(), nil // git recorded the peeled commit: no object read
	}
	h, err := peel(objs, ref.Hash())
	if err != nil {
		return "", fmt.Errorf("reading tag %s of %s: %w", name, dir, err)
	}
	return h.String(), nil
}

// objectReader returns a storer for reading many objects of r that keeps
// its pack files open, the peeled tags of its packed-refs (see
// packedPeeled), and the function that closes the pack files.
func objectReader(r *git.Repository) (storer.EncodedObjectStorer, map[string]packedTag, func()) {
	fs, ok := r.Storer.(*filesystem.Storage)
	if !ok {
		return r.Storer, nil, func() {}
	}
	s := filesystem.NewStorageWithOptions(fs.Filesystem(), cache.NewObjectLRUDefault(), filesystem.Options{KeepDescriptors: true})
	var packed map[string]packedTag
	if f, err := fs.Filesystem().Open("packed-refs"); err == nil {
		packed = packedPeeled(f)
		_ = f.Close()
	}
	return s, packed, func() { _ = s.Close() }
}

// errPeel is a chain of tags too long to follow.
var errPeel = errors.New("tag chain longer than 16")

// peel follows tag objects from h to the first object that is not a tag.
func peel(s storer.EncodedObjectStorer, h plumbing.Hash) (plumbing.Hash, error) {
	for range maxPeel {
		obj, err := s.EncodedObject(plumbing.AnyObject, h)
		if err != nil {
			return h, fmt.Errorf("object %s: %w", h, err)
		}
		if obj.Type() != plumbing.TagObject {
			return h, nil
		}
		t, err := object.DecodeTag(s, obj)
		if err != nil {
			return h, fmt.Errorf("object %s: %w", h, err)
		}
		h = t.Target
	}
	return h, errPeel
}

// tagName is ref's name without "refs/tags/" (ReferenceName.Short is slow).
func tagName(ref *plumbing.Reference) string {
	return strings.TrimPrefix(string(ref.Name()), "refs/tags/")
}
