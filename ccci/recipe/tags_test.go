package recipe

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	gogit "github.com/go-git/go-git/v5"
	"github.com/google/go-cmp/cmp"

	"coopcloud.tech/cc-ci/internal/gittest"
)

func TestLocalTagsMatchesGit(t *testing.T) {
	dir := newRepo(t)
	tags, err := LocalTags(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(forEachRef(t, dir), tagLines(tags)); diff != "" {
		t.Errorf("LocalTags(%s) vs git for-each-ref (-want +got):\n%s", dir, diff)
	}
	if len(tags) != 6 {
		t.Errorf("LocalTags gave %d tags, want 6", len(tags))
	}
	names, err := LocalTagNames(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(TagNames(tags), names); diff != "" {
		t.Errorf("LocalTagNames(%s) (-want +got):\n%s", dir, diff)
	}
}

func TestLocalTagsSymbolic(t *testing.T) {
	dir := newRepo(t)
	gittest.Run(t, dir, "symbolic-ref", "refs/tags/alias", "refs/tags/v2.4.8")
	tags, err := LocalTags(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(forEachRef(t, dir), tagLines(tags)); diff != "" {
		t.Errorf("LocalTags with a symbolic tag (-want +got):\n%s", diff)
	}
	gittest.Run(t, dir, "symbolic-ref", "refs/tags/dangling", "refs/tags/missing")
	tags, err = LocalTags(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(forEachRef(t, dir), tagLines(tags)); diff != "" {
		t.Errorf("LocalTags with a dangling symbolic tag (-want +got):\n%s", diff)
	}
}

func TestLocalTagsBareAndEmpty(t *testing.T) {
	root := t.TempDir()
	bare := bareCopy(t, newRepo(t), root, "bare.git")
	tags, err := LocalTags(context.Background(), bare)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(forEachRef(t, bare), tagLines(tags)); diff != "" {
		t.Errorf("LocalTags(bare) (-want +got):\n%s", diff)
	}
	empty := t.TempDir()
	gittest.Run(t, empty, "init", "-q")
	if tags, err := LocalTags(context.Background(), empty); err != nil || len(tags) != 0 {
		t.Errorf("LocalTags(new repo) = %v, %v, want none", tags, err)
	}
}

func TestPeelTag(t *testing.T) {
	dir := newRepo(t)
	gittest.Run(t, dir, "tag", "-a", "-m", "tag of a tag", "nested", "v2.4.8")
	check := func(when string) {
		t.Helper()
		for _, name := range []string{"1.0.0+1.0", "1.1.0+1.0", "v2.4.8", "3.0.9+1.10.7", "nested"} {
			got, err := PeelTag(context.Background(), dir, name)
			want := gittest.Run(t, dir, "rev-parse", name+"^{commit}")
			if err != nil || got != want {
				t.Errorf("%s: PeelTag(%q) = %q, %v, want %q", when, name, got, err, want)
			}
		}
	}
	check("loose and packed refs")
	// Packed with peeled lines: PeelTag reads them instead of objects.
	gittest.Run(t, dir, "pack-refs", "--all")
	check("after pack-refs --all")
	// A tag moved since packing: its loose ref wins over the stale packed line.
	gittest.Run(t, dir, "tag", "-f", "-a", "-m", "moved", "1.1.0+1.0", "1.0.0+1.0^{commit}")
	check("after a packed tag moved")
	if _, err := PeelTag(context.Background(), dir, "9.9.9+9"); err == nil {
		t.Errorf("PeelTag(missing tag) succeeded")
	}
}

func TestLocalTagsNotARepo(t *testing.T) {
	dir := t.TempDir()
	for name, f := range map[string]func() error{
		"LocalTags":     func() error { _, err := LocalTags(context.Background(), dir); return err },
		"LocalTagNames": func() error { _, err := LocalTagNames(context.Background(), dir); return err },
		"PeelTag":       func() error { _, err := PeelTag(context.Background(), dir, "1.0.0"); return err },
	} {
		err := f()
		if !errors.Is(err, gogit.ErrRepositoryNotExists) {
			t.Errorf("%s(not a repo) error = %v, want ErrRepositoryNotExists", name, err)
		}
		if err != nil && !contains(err.Error(), dir) {
			t.Errorf("%s(not a repo) error %q does not name %s", name, err, dir)
		}
	}
	if _, err := LocalTags(context.Background(), filepath.Join(dir, "missing")); err == nil {
		t.Errorf("LocalTags(missing folder) succeeded")
	}
}

func TestLocalTagsCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := LocalTags(ctx, newRepo(t)); !errors.Is(err, context.Canceled) {
		t.Errorf("LocalTags(cancelled) error = %v, want context.Canceled", err)
	}
}

func TestLocalTagsCorruptObject(t *testing.T) {
	dir := newRepo(t)
	h := gittest.Run(t, dir, "rev-parse", "3.0.9+1.10.7") // a loose annotated tag object
	obj := filepath.Join(dir, ".git", "objects", h[:2], h[2:])
	if err := os.Chmod(obj, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(obj, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LocalTags(context.Background(), dir)
	if err == nil || !contains(err.Error(), "3.0.9+1.10.7") {
		t.Errorf("LocalTags(corrupt tag object) error = %v, want one naming the tag", err)
	}
}

func TestLocalTagsWorktree(t *testing.T) {
	dir := newRepo(t)
	wt := filepath.Join(t.TempDir(), "wt")
	gittest.Run(t, dir, "worktree", "add", "-q", "--detach", wt, "1.0.0+1.0")
	tags, err := LocalTags(context.Background(), wt)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(forEachRef(t, wt), tagLines(tags)); diff != "" {
		t.Errorf("LocalTags(worktree) (-want +got):\n%s", diff)
	}
}
