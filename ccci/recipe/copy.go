package recipe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// errNoCopy says that a local repository cannot be cloned by copying its
// object files (a partial clone, or laid out in a way this does not
// read); Clone then asks the in-process server.
var errNoCopy = errors.New("not copyable")

// copyClone makes dst a clone of the local repository src as `git clone
// --local --no-hardlinks` does: its object files (packs and loose
// objects, which git never changes once written) are copied, not packed
// again and unpacked. Tags are copied as they are, branches become
// origin's remote-tracking branches, and origin is src. Objects src
// borrows from other repositories (objects/info/alternates, as git clone
// --shared makes) are copied too: the clone stands alone. It returns
// errNoCopy when src does not suit (a partial clone's promisor packs,
// objects not where a plain repository keeps them).
func copyClone(ctx context.Context, src, dst string) (*git.Repository, error) {
	ep, err := transport.NewEndpoint(src)
	if err != nil || ep.Protocol != "file" {
		return nil, errNoCopy
	}
	from, err := open(ep.Path)
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return nil, errNoCopy // the transport says why, in its words
	}
	if err != nil {
		return nil, err
	}
	st, ok := from.Storer.(*filesystem.Storage)
	if !ok {
		return nil, errNoCopy
	}
	objects := filepath.Join(st.Filesystem().Root(), "objects")
	if promisors, _ := filepath.Glob(filepath.Join(objects, "pack", "*.promisor")); len(promisors) > 0 {
		return nil, errNoCopy
	}
	if fi, err := os.Stat(objects); err != nil || !fi.IsDir() {
		return nil, errNoCopy
	}
	if _, err := git.PlainInit(dst, false); err != nil {
		return nil, err
	}
	if err := copyObjects(ctx, objects, filepath.Join(dst, git.GitDirName, "objects"), 0); err != nil {
		return nil, err
	}
	r, err := git.PlainOpen(dst)
	if err != nil {
		return nil, err
	}
	if err := copyRefs(from, r); err != nil {
		return nil, err
	}
	_, err = r.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{src},
		Fetch: []config.RefSpec{"+refs/heads/*:refs/remotes/origin/*"}})
	return r, err
}

// maxAlternates bounds a chain of alternates, as git's own limit does.
const maxAlternates = 5

// copyObjects copies the pack files and loose objects under from into
// to, then those of the object directories from borrows from (its
// alternates), leaving out objects/info (alternates, commit-graph: caches
// git rebuilds) and temporary files of writers still at work.
func copyObjects(ctx context.Context, from, to string, depth int) error {
	if depth > maxAlternates {
		return fmt.Errorf("%s: alternates nested deeper than %d", from, maxAlternates)
	}
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil {
			return err
		}
		name := d.Name()
		switch {
		case rel == "info" && d.IsDir():
			return fs.SkipDir
		case d.IsDir():
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		case strings.HasPrefix(name, "tmp_") || strings.HasPrefix(name, "tmp-") || strings.HasSuffix(name, ".lock"):
			return nil
		case !d.Type().IsRegular():
			return fmt.Errorf("%s: not a regular file", path)
		}
		return copyFile(path, filepath.Join(to, rel))
	})
	if err != nil {
		return err
	}
	b, err := os.ReadFile(filepath.Join(from, "info", "alternates"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	for _, alt := range strings.Split(string(b), "\n") {
		if alt = strings.TrimSpace(alt); alt == "" || strings.HasPrefix(alt, "#") {
			continue
		}
		if !filepath.IsAbs(alt) {
			alt = filepath.Join(from, alt)
		}
		if err := copyObjects(ctx, alt, to, depth+1); err != nil {
			return err
		}
	}
	return err
}

// copyFile copies a read-only object file.
func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if errors.Is(err, fs.ErrExist) {
		return nil // the same object in two object directories: one copy will do
	}
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	return errors.Join(err, out.Close())
}

// copyRefs gives to the tags of from (as they are: an annotated tag still
// names its tag object) and its branches as origin's.
func copyRefs(from, to *git.Repository) error {
	refs, err := from.References()
	if err != nil {
		return err
	}
	defer refs.Close()
	return refs.ForEach(func(ref *plumbing.Reference) error {
		name := ref.Name()
		if ref.Type() == plumbing.SymbolicReference {
			resolved, err := from.Reference(name, true)
			if err != nil {
				return nil // dangling: git leaves it out too
			}
			ref = plumbing.NewHashReference(name, resolved.Hash())
		}
		switch {
		case name.IsTag():
		case name.IsBranch():
			name = plumbing.NewRemoteReferenceName("origin", name.Short())
		default:
			return nil
		}
		return to.Storer.SetReference(plumbing.NewHashReference(name, ref.Hash()))
	})
}
