package recipe

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"testing"

	"github.com/Masterminds/semver/v3"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/client"
	"github.com/go-git/go-git/v5/plumbing/transport/file"
	"github.com/go-git/go-git/v5/plumbing/transport/server"

	"coopcloud.tech/cc-ci/internal/gittest"
)

var fixture struct {
	once sync.Once
	dir  string
	made bool
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixture.dir != "" {
		os.RemoveAll(fixture.dir)
	}
	os.Exit(code)
}

// benchRepo returns a repository with 300 tags, one per commit, half of
// them annotated, all refs packed; it is made once.
func benchRepo(b *testing.B) string {
	fixture.once.Do(func() {
		dir, err := os.MkdirTemp("", "recipe-bench-")
		if err != nil {
			b.Fatal(err)
		}
		fixture.dir = dir
		var tags []string
		for i := range 100 {
			for j := range 3 {
				tags = append(tags, fmt.Sprintf("%d.%d.%d+1.%d.0", i/10, i%10, j, i))
			}
		}
		gittest.Options{Tags: gittest.Mixed, Packed: true}.Repo(b, dir, tags...)
		fixture.made = true
	})
	if !fixture.made {
		b.Fatal("making the benchmark repository failed")
	}
	return fixture.dir
}

func BenchmarkLocalTags(b *testing.B) {
	dir := benchRepo(b)
	ctx := context.Background()
	b.Run("go-git", func(b *testing.B) {
		for b.Loop() {
			if tags, err := LocalTags(ctx, dir); err != nil || len(tags) != 300 {
				b.Fatal(len(tags), err)
			}
		}
	})
	b.Run("exec-git-for-each-ref", func(b *testing.B) {
		home := b.TempDir()
		for b.Loop() {
			cmd := gittest.Command(home, dir, "for-each-ref", "refs/tags", "--format=%(refname:strip=2) %(*objectname) %(objectname)")
			out, err := cmd.Output()
			if err != nil || bytes.Count(out, []byte("\n")) != 300 {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkLocalTagNames(b *testing.B) {
	dir := benchRepo(b)
	ctx := context.Background()
	b.Run("go-git", func(b *testing.B) {
		for b.Loop() {
			if names, err := LocalTagNames(ctx, dir); err != nil || len(names) != 300 {
				b.Fatal(len(names), err)
			}
		}
	})
	b.Run("exec-git-tag-sort-V", func(b *testing.B) {
		env := gittest.Env(b.TempDir())
		for b.Loop() {
			cmd := exec.Command("sh", "-c", "git tag | sort -V")
			cmd.Dir, cmd.Env = dir, env
			if out, err := cmd.Output(); err != nil || bytes.Count(out, []byte("\n")) != 300 {
				b.Fatal(err)
			}
		}
	})
	b.Run("go-git+Releases", func(b *testing.B) {
		for b.Loop() {
			names, err := LocalTagNames(ctx, dir)
			if rs, _ := Releases(names); err != nil || len(rs) != 300 {
				b.Fatal(len(rs), err)
			}
		}
	})
}

// benchTags returns n release tags in random order; about one in ten is a
// pre-release, and precedence ties are rare but present.
func benchTags(n int) []string {
	r := rand.New(rand.NewPCG(7, 11))
	tags := make([]string, n)
	for i := range tags {
		pre := ""
		if r.IntN(10) == 0 {
			pre = fmt.Sprintf("-rc.%d", r.IntN(5))
		}
		tags[i] = fmt.Sprintf("%d.%d.%d%s+%d.%d.%d", r.IntN(100), r.IntN(100), r.IntN(100), pre, r.IntN(30), r.IntN(30), r.IntN(10))
	}
	return tags
}

func BenchmarkLatest(b *testing.B) {
	tags := benchTags(300)
	for b.Loop() {
		if _, ok := Latest(tags); !ok {
			b.Fatal("no latest")
		}
	}
}

func BenchmarkSort(b *testing.B) {
	tags := benchTags(100_000)
	vs := make([]Version, len(tags))
	svs := make([]*semver.Version, len(tags))
	for i, tag := range tags {
		vs[i] = mustParse(b, tag)
		var err error
		if svs[i], err = semver.StrictNewVersion(tag); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("recipe.Sort", func(b *testing.B) {
		work := make([]Version, len(vs))
		for b.Loop() {
			copy(work, vs)
			Sort(work)
		}
	})
	b.Run("sort.Slice-semver.Compare", func(b *testing.B) {
		work := make([]*semver.Version, len(svs))
		for b.Loop() {
			copy(work, svs)
			sort.Slice(work, func(i, j int) bool { return work[i].Compare(work[j]) < 0 })
		}
	})
	b.Run("slices.SortFunc-Compare", func(b *testing.B) {
		work := make([]Version, len(vs))
		for b.Loop() {
			copy(work, vs)
			slices.SortFunc(work, Compare)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		for _, tag := range realTags {
			_, _ = Parse(tag)
		}
	}
}

// BenchmarkClone checks a recipe out at a tag's commit from a local
// clone (300 tags), as the sweep does for each run, three ways in the
// same run: copy, what Clone does (the object files copied, as git clone
// --local does); in-process, go-git's upload-pack server in the process
// (packing and unpacking the objects); git-upload-pack, go-git's own file
// transport starting git-upload-pack from PATH (what Clone did before,
// outside the declared environment).
func BenchmarkClone(b *testing.B) {
	src := benchRepo(b)
	commit := gittest.Run(b, src, "rev-parse", "HEAD")
	h := plumbing.NewHash(commit)
	if _, err := exec.LookPath("git"); err != nil {
		b.Skip("no git for the baseline")
	}
	via := func(t transport.Transport) func(ctx context.Context, dst string) error {
		return func(ctx context.Context, dst string) error {
			client.InstallProtocol("file", t)
			defer client.InstallProtocol("file", server.NewClient(localLoader{}))
			r, err := transportClone(ctx, src, dst)
			if err != nil {
				return err
			}
			return checkoutAt(ctx, r, h)
		}
	}
	for _, bc := range []struct {
		name  string
		clone func(ctx context.Context, dst string) error
	}{
		{"copy", func(ctx context.Context, dst string) error { return Clone(ctx, src, dst, commit) }},
		{"in-process", via(server.NewClient(localLoader{}))},
		{"git-upload-pack", via(file.DefaultClient)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if err := bc.clone(context.Background(), filepath.Join(b.TempDir(), "r")); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
