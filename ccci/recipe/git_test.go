package recipe

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"coopcloud.tech/cc-ci/internal/gittest"
)

// newRepo makes a repository with lightweight and annotated tags, some on
// commits that are not the branch head, most refs packed and some loose.
func newRepo(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	gittest.Script(t, dir, `
init -q -b main
commit -q --allow-empty -m one
tag 1.0.0+1.0
tag -a -m annotated 1.1.0+1.0
commit -q --allow-empty -m two
tag -a -m annotated v2.4.8
tag 7ae7b0f7+U
pack-refs --all
commit -q --allow-empty -m three
tag -f -a -m moved 1.1.0+1.0
tag 3.0.10+1.10.8
tag -a -m loose-annotated 3.0.9+1.10.7
`)
	return dir
}

// forEachRef is what git itself says about dir's tags: "name commit"
// lines, in git's order.
func forEachRef(t testing.TB, dir string) string {
	tags := gittest.Tags(t, dir)
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(tags)) {
		fmt.Fprintf(&b, "%s %s\n", name, tags[name])
	}
	return b.String()
}

func tagLines(tags []Tag) string {
	var b strings.Builder
	for _, tag := range tags {
		fmt.Fprintf(&b, "%s %s\n", tag.Name, tag.Commit)
	}
	return b.String()
}

// bareCopy makes a bare clone of dir under root and returns its path.
func bareCopy(t testing.TB, dir, root, name string) string {
	t.Helper()
	dst := filepath.Join(root, name)
	gittest.Run(t, root, "clone", "-q", "--bare", dir, dst)
	return dst
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
