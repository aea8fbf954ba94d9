package sweep

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"coopcloud.tech/cc-ci/ccci/recipe"
	"coopcloud.tech/cc-ci/internal/gittest"
)

// The benchmark set (issue 4 section 7): benchRecipes clones with
// benchTags release tags each, every other tag annotated, refs packed as
// in a fresh clone. It is made once with git fast-import under the user's
// cache directory and reused.
const (
	benchRecipes = 250
	benchTags    = 100
	benchSetName = "v1-250x100"
)

// benchTag is the i-th tag of a bench recipe; the last is the latest.
func benchTag(i int) string {
	return fmt.Sprintf("%d.%d.%d+1.%d.%d", i/20, i/2%10, i%2, i%7, i%3)
}

// benchSet returns the folder of bench clones, making it if needed.
func benchSet(b *testing.B) string {
	b.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "cc-ci-bench", benchSetName)
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err == nil {
		return dir
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "tmp-")
	if err != nil {
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			b.Fatal(err)
		}
		if tmp, err = os.MkdirTemp(filepath.Dir(dir), "tmp-"); err != nil {
			b.Fatal(err)
		}
	}
	for n := range benchRecipes {
		makeBenchRepo(b, filepath.Join(tmp, fmt.Sprintf("recipe%03d", n)))
	}
	if err := os.WriteFile(filepath.Join(tmp, ".complete"), nil, 0o644); err != nil {
		b.Fatal(err)
	}
	os.RemoveAll(dir)
	if err := os.Rename(tmp, dir); err != nil {
		b.Fatal(err)
	}
	return dir
}

// makeBenchRepo makes one clone: benchTags commits, each tagged, every
// other tag annotated, refs packed as in a fresh clone.
func makeBenchRepo(b *testing.B, dir string) {
	tags := make([]string, benchTags)
	for i := range tags {
		tags[i] = benchTag(i)
	}
	gittest.Options{Tags: gittest.Mixed, Packed: true}.Repo(b, dir, tags...)
}

// benchState makes every tenth recipe one release behind and the others
// up to date, with their true commits: a nightly sweep with 25 recipes to
// run (and peel).
func benchState(b *testing.B, rs []recipe.Recipe) *state {
	st := newState()
	for n, r := range rs {
		v := benchTag(benchTags - 1)
		if n%10 == 0 {
			v = benchTag(benchTags - 2)
		}
		c, err := recipe.PeelTag(context.Background(), r.Dir, v)
		if err != nil {
			b.Fatal(err)
		}
		st.Recipes[r.Name] = &Record{Version: v, Commit: c, Status: StatusPass}
	}
	return st
}

// goSweepPlan is what "cc-ci-sweep run" does after enrolment; canonical
// adds peelCanonical (moved-tag detection).
func goSweepPlan(b *testing.B, rs []recipe.Recipe, st *state, canonical bool) []Decision {
	ctx := context.Background()
	in := readInputs(ctx, rs)
	for _, inp := range in {
		if inp.err != nil {
			b.Fatal(inp.err)
		}
	}
	if canonical {
		if err := peelCanonical(ctx, in, st); err != nil {
			b.Fatal(err)
		}
	}
	ds := plan(in, st, Options{})
	if failed := peelRuns(ctx, in, ds); len(failed) > 0 {
		b.Fatal(failed)
	}
	return ds
}

// BenchmarkTagsPlan compares readInputs + plan + peelRuns over the bench
// set (nightly: 25 runs to peel; nightly-canonical: also peelCanonical,
// 225 more peels; first: no state, 250 runs to peel) with the shell loop
// an operator would write.
func BenchmarkTagsPlan(b *testing.B) {
	dir := benchSet(b)
	rs, _, err := recipe.FromDir(dir)
	if err != nil || len(rs) != benchRecipes {
		b.Fatalf("bench set %s: %d recipes, %v", dir, len(rs), err)
	}
	nightly := benchState(b, rs)
	for _, c := range []struct {
		name      string
		st        *state
		canonical bool
		runs      int
	}{
		{"go-nightly", nightly, false, benchRecipes / 10},
		{"go-nightly-canonical", nightly, true, benchRecipes / 10},
		{"go-first", newState(), false, benchRecipes},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				ds := goSweepPlan(b, rs, c.st, c.canonical)
				if n := countRuns(ds); n != c.runs {
					b.Fatalf("plan runs %d recipes, want %d", n, c.runs)
				}
			}
		})
	}
	b.Run("shell", func(b *testing.B) {
		for b.Loop() {
			cmd := exec.Command("bash", "-c", `for d in */; do git -C "$d" tag | sort -V | tail -1; done`)
			cmd.Dir = dir
			out, err := cmd.Output()
			if err != nil || bytes.Count(out, []byte("\n")) != benchRecipes {
				b.Fatalf("shell loop: %v\n%s", err, out)
			}
		}
	})
}

func countRuns(ds []Decision) int {
	n := 0
	for _, d := range ds {
		if d.Action == ActionRun {
			if d.Commit == "" || d.To != benchTag(benchTags-1) {
				return -1
			}
			n++
		}
	}
	return n
}
