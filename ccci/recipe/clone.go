package recipe

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// ErrNotEmpty is returned by Clone when dst already holds files.
var ErrNotEmpty = errors.New("destination is not empty")

// Clone makes dst a clone of src (a local clone or a URL) whose work tree
// is checked out, detached, at commit (40 hex digits). All branches and
// tags are fetched; the clone's "origin" is src. dst must not exist or be
// an empty folder (else ErrNotEmpty). On failure Clone removes what it
// created, so dst is as before: gone, or empty.
func Clone(ctx context.Context, src, dst, commit string) (err error) {
	h, err := parseCommit(commit)
	if err != nil {
		return fmt.Errorf("cloning %s into %s: %w", src, dst, err)
	}
	created, err := claimDir(dst)
	if err != nil {
		return fmt.Errorf("cloning %s into %s: %w", src, dst, err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, release(dst, created))
		}
	}()
	if err := cloneAt(ctx, source(src), dst, h); err != nil {
		return fmt.Errorf("cloning %s into %s: %w", src, dst, err)
	}
	return nil
}

// cloneAt clones url into dst and checks out h, detached. A local
// repository is copied (copyClone); one that cannot be, and a URL, are
// cloned through a transport.
func cloneAt(ctx context.Context, url, dst string, h plumbing.Hash) error {
	r, err := copyClone(ctx, url, dst)
	if errors.Is(err, errNoCopy) {
		r, err = transportClone(ctx, url, dst)
	}
	if err != nil {
		return err
	}
	return checkoutAt(ctx, r, h)
}

// transportClone clones url into dst through go-git's transport for its
// scheme, without a checkout.
func transportClone(ctx context.Context, url, dst string) (*git.Repository, error) {
	return git.PlainCloneContext(ctx, dst, false, &git.CloneOptions{URL: url, NoCheckout: true, Tags: git.AllTags})
}

// checkoutAt checks the clone's work tree out at h, detached.
func checkoutAt(ctx context.Context, r *git.Repository, h plumbing.Hash) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := r.CommitObject(h); err != nil {
		return fmt.Errorf("commit %s: %w", h, err)
	}
	w, err := r.Worktree()
	if err != nil {
		return err
	}
	if err := w.Checkout(&git.CheckoutOptions{Hash: h, Force: true}); err != nil {
		return fmt.Errorf("checking out %s: %w", h, err)
	}
	return nil
}

// parseCommit accepts a full hex commit id.
func parseCommit(s string) (plumbing.Hash, error) {
	if len(s) != 40 || !plumbing.IsHash(s) {
		return plumbing.ZeroHash, fmt.Errorf("commit %.50q is not 40 hex digits", s)
	}
	return plumbing.NewHash(s), nil
}

// source makes a local path absolute; URLs pass through.
func source(src string) string {
	if _, err := os.Stat(src); err != nil {
		return src
	}
	if abs, err := filepath.Abs(src); err == nil {
		return abs
	}
	return src
}

// claimDir makes sure dir is an empty folder, creating it if missing, and
// says whether it did.
func claimDir(dir string) (created bool, err error) {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return true, os.Mkdir(dir, 0o755)
	case err != nil:
		return false, err
	case len(entries) > 0:
		return false, ErrNotEmpty
	}
	return false, nil
}

// release undoes claimDir: it removes dir when created, else its content.
func release(dir string, created bool) error {
	if created {
		return os.RemoveAll(dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		errs = append(errs, os.RemoveAll(filepath.Join(dir, e.Name())))
	}
	return errors.Join(errs...)
}

// Fetch updates a clone's tags and branches from its "origin" remote with
// the remote's fetch refspecs, and all tags (moved tags follow the remote).
// The work tree is not touched; "already up to date" is not an error.
func Fetch(ctx context.Context, dir string) error {
	r, err := open(dir)
	if err != nil {
		return fmt.Errorf("fetching %s: %w", dir, err)
	}
	err = r.FetchContext(ctx, &git.FetchOptions{RemoteName: "origin", Tags: git.AllTags})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return fmt.Errorf("fetching %s from origin: %w", dir, err)
	}
	return nil
}
