package recipe

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"coopcloud.tech/cc-ci/internal/gittest"
)

// newRepoWithFiles makes a repository whose tagged commits differ in
// VERSION: 1.0.0+1 (annotated), then 2.0.0+1 (lightweight) on the head.
func newRepoWithFiles(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	gittest.Options{Tags: gittest.Mixed}.Repo(t, dir, "1.0.0+1", "2.0.0+1")
	return dir
}

func TestClone(t *testing.T) {
	src := newRepoWithFiles(t)
	commit := gittest.Run(t, src, "rev-parse", "1.0.0+1^{commit}")
	root := t.TempDir()
	bareCopy(t, src, root, "r.git")
	base := serveHTTP(t, root)
	for name, from := range map[string]string{"path": src, "file": "file://" + src, "http": base + "/r.git"} {
		dst := filepath.Join(t.TempDir(), "gitea")
		if err := Clone(context.Background(), from, dst, commit); err != nil {
			t.Errorf("Clone(%s): %v", name, err)
			continue
		}
		if got := gittest.Run(t, dst, "rev-parse", "HEAD"); got != commit {
			t.Errorf("Clone(%s) HEAD = %s, want %s", name, got, commit)
		}
		if b, err := os.ReadFile(filepath.Join(dst, "VERSION")); err != nil || string(b) != "1.0.0+1\n" {
			t.Errorf("Clone(%s) work tree VERSION = %q, %v, want 1.0.0+1", name, b, err)
		}
		if st := gittest.Run(t, dst, "status", "--porcelain"); st != "" {
			t.Errorf("Clone(%s) work tree not clean:\n%s", name, st)
		}
		// git itself finds every object of every ref (a copied clone too).
		gittest.Run(t, dst, "fsck", "--no-progress", "--no-dangling")
		if got, want := gittest.Run(t, dst, "rev-parse", "origin/main"), gittest.Run(t, src, "rev-parse", "main"); got != want {
			t.Errorf("Clone(%s) origin/main = %s, want %s", name, got, want)
		}
		if diff := cmp.Diff(forEachRef(t, src), forEachRef(t, dst)); diff != "" {
			t.Errorf("Clone(%s) tags (-want +got):\n%s", name, diff)
		}
	}
}

func TestCloneIntoEmptyDir(t *testing.T) {
	src := newRepoWithFiles(t)
	dst := t.TempDir()
	commit := gittest.Run(t, src, "rev-parse", "HEAD")
	if err := Clone(context.Background(), src, dst, commit); err != nil {
		t.Fatal(err)
	}
	if got := gittest.Run(t, dst, "rev-parse", "HEAD"); got != commit {
		t.Errorf("Clone HEAD = %s, want %s", got, commit)
	}
}

func TestCloneRefusesNonEmpty(t *testing.T) {
	src := newRepoWithFiles(t)
	dst := t.TempDir()
	keep := filepath.Join(dst, "keep")
	if err := os.WriteFile(keep, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Clone(context.Background(), src, dst, gittest.Run(t, src, "rev-parse", "HEAD"))
	if !errors.Is(err, ErrNotEmpty) {
		t.Errorf("Clone(non-empty dst) error = %v, want ErrNotEmpty", err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("Clone(non-empty dst) touched it: %v", err)
	}
}

func TestCloneFailureLeavesNothing(t *testing.T) {
	src := newRepoWithFiles(t)
	head := gittest.Run(t, src, "rev-parse", "HEAD")
	missing := "0123456789abcdef0123456789abcdef01234567"
	tests := []struct{ name, src, commit string }{
		{"unknown commit", src, missing},
		{"not a commit", src, "1.0.0+1"},
		{"refused remote", refusedURL(t), head},
		{"not a repository", t.TempDir(), head},
	}
	for _, tt := range tests {
		parent := t.TempDir()
		dst := filepath.Join(parent, "gitea")
		if err := Clone(context.Background(), tt.src, dst, tt.commit); err == nil {
			t.Errorf("Clone(%s) succeeded", tt.name)
		}
		if entries, _ := os.ReadDir(parent); len(entries) != 0 {
			t.Errorf("Clone(%s) left %v behind", tt.name, entries)
		}
		empty := t.TempDir()
		if err := Clone(context.Background(), tt.src, empty, tt.commit); err == nil {
			t.Errorf("Clone(%s, empty dir) succeeded", tt.name)
		}
		if entries, err := os.ReadDir(empty); err != nil || len(entries) != 0 {
			t.Errorf("Clone(%s, empty dir) left %v, %v; want it empty", tt.name, entries, err)
		}
	}
}

func TestCloneCancelled(t *testing.T) {
	src := newRepoWithFiles(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dst := filepath.Join(t.TempDir(), "x")
	if err := Clone(ctx, src, dst, gittest.Run(t, src, "rev-parse", "HEAD")); !errors.Is(err, context.Canceled) {
		t.Errorf("Clone(cancelled) error = %v, want context.Canceled", err)
	}
	if _, err := os.Stat(dst); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Clone(cancelled) left %s: %v", dst, err)
	}
}

func TestFetch(t *testing.T) {
	src := newRepoWithFiles(t)
	dst := filepath.Join(t.TempDir(), "clone")
	if err := Clone(context.Background(), src, dst, gittest.Run(t, src, "rev-parse", "HEAD")); err != nil {
		t.Fatal(err)
	}
	if err := Fetch(context.Background(), dst); err != nil {
		t.Errorf("Fetch(up to date) = %v, want nil", err)
	}
	gittest.Run(t, src, "commit", "-q", "--allow-empty", "-m", "three")
	gittest.Run(t, src, "tag", "-a", "-m", "new", "3.0.0+1")
	gittest.Run(t, src, "tag", "-f", "1.0.0+1") // a moved tag follows the remote
	if err := Fetch(context.Background(), dst); err != nil {
		t.Fatal(err)
	}
	tags, err := LocalTags(context.Background(), dst)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(forEachRef(t, src), tagLines(tags)); diff != "" {
		t.Errorf("tags after Fetch (-want +got):\n%s", diff)
	}
	if got, want := gittest.Run(t, dst, "rev-parse", "origin/main"), gittest.Run(t, src, "rev-parse", "main"); got != want {
		t.Errorf("origin/main after Fetch = %s, want %s", got, want)
	}
}

func TestFetchErrors(t *testing.T) {
	if err := Fetch(context.Background(), t.TempDir()); err == nil {
		t.Errorf("Fetch(not a repo) succeeded")
	}
	noOrigin := t.TempDir()
	gittest.Run(t, noOrigin, "init", "-q")
	if err := Fetch(context.Background(), noOrigin); err == nil || !contains(err.Error(), noOrigin) {
		t.Errorf("Fetch(no origin) error = %v, want one naming %s", err, noOrigin)
	}
	gone := newRepoWithFiles(t)
	dst := filepath.Join(t.TempDir(), "clone")
	if err := Clone(context.Background(), gone, dst, gittest.Run(t, gone, "rev-parse", "HEAD")); err != nil {
		t.Fatal(err)
	}
	gittest.Run(t, dst, "remote", "set-url", "origin", refusedURL(t))
	if err := Fetch(context.Background(), dst); err == nil || !contains(err.Error(), "refused") {
		t.Errorf("Fetch(refused origin) error = %v, want connection refused", err)
	}
}

// TestLocalStartsNoProgram: cloning, fetching and listing a local
// repository run no git-upload-pack (nor anything else) from PATH. A
// stand-in first on PATH records every start, and with PATH empty the same
// calls still work.
func TestLocalStartsNoProgram(t *testing.T) {
	src := newRepoWithFiles(t)
	head := gittest.Run(t, src, "rev-parse", "HEAD")
	bin, ran := t.TempDir(), filepath.Join(t.TempDir(), "ran")
	stand := "#!/bin/sh\necho \"$0\" >>" + ran + "\nexit 1\n"
	for _, name := range []string{"git-upload-pack", "git", "git-receive-pack"} {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(stand), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, path := range []string{bin, ""} {
		t.Setenv("PATH", path)
		for _, from := range []string{src, "file://" + src} {
			dst := filepath.Join(t.TempDir(), "gitea")
			if err := Clone(context.Background(), from, dst, head); err != nil {
				t.Errorf("PATH=%q: Clone(%s): %v", path, from, err)
				continue
			}
			if err := Fetch(context.Background(), dst); err != nil {
				t.Errorf("PATH=%q: Fetch(clone of %s): %v", path, from, err)
			}
			if tags, err := RemoteTags(context.Background(), from); err != nil || len(tags) != 2 {
				t.Errorf("PATH=%q: RemoteTags(%s) = %v, %v; want 2 tags", path, from, tags, err)
			}
		}
	}
	if b, err := os.ReadFile(ran); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("programs started from PATH:\n%s", b)
	}
}

// TestCloneErrorSaysWhy: a clone that fails says go-git's own reason.
func TestCloneErrorSaysWhy(t *testing.T) {
	src := newRepoWithFiles(t)
	missing := "0123456789abcdef0123456789abcdef01234567"
	err := Clone(context.Background(), src, filepath.Join(t.TempDir(), "x"), missing)
	if err == nil || !contains(err.Error(), "object not found") {
		t.Errorf("Clone(unknown commit) error = %v, want object not found", err)
	}
	err = Clone(context.Background(), t.TempDir(), filepath.Join(t.TempDir(), "x"), missing)
	if err == nil || !contains(err.Error(), "repository not found") {
		t.Errorf("Clone(not a repository) error = %v, want repository not found", err)
	}
}

// TestCloneBorrowedObjects: a clone whose objects live in another
// repository (git clone --shared: objects/info/alternates) cannot be
// copied file by file; Clone then goes through the in-process server, and
// the result is whole.
func TestCloneBorrowedObjects(t *testing.T) {
	src := newRepoWithFiles(t)
	shared := filepath.Join(t.TempDir(), "shared")
	gittest.Run(t, filepath.Dir(shared), "clone", "-q", "--shared", src, shared)
	commit := gittest.Run(t, src, "rev-parse", "1.0.0+1^{commit}")
	dst := filepath.Join(t.TempDir(), "gitea")
	if err := Clone(context.Background(), shared, dst, commit); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dst, ".git", "objects", "info", "alternates")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the clone borrows objects too: %v", err)
	}
	gittest.Run(t, dst, "fsck", "--no-progress", "--no-dangling")
	if got := gittest.Run(t, dst, "rev-parse", "HEAD"); got != commit {
		t.Errorf("HEAD = %s, want %s", got, commit)
	}
}
