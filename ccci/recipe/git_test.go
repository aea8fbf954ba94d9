package recipe

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gitEnv keeps the user's and the system's git configuration out of tests.
func gitEnv(home string) []string {
	return append(os.Environ(),
		"HOME="+home, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.org",
		"GIT_AUTHOR_DATE=2024-01-01T00:00:00Z", "GIT_COMMITTER_DATE=2024-01-01T00:00:00Z",
	)
}

// git runs the git CLI in dir and returns its trimmed output.
func runGit(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = gitEnv(dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// script runs git commands, one a line, in dir.
func script(t testing.TB, dir, lines string) {
	t.Helper()
	for line := range strings.SplitSeq(strings.TrimSpace(lines), "\n") {
		runGit(t, dir, strings.Fields(line)...)
	}
}

// newRepo makes a repository with lightweight and annotated tags, some on
// commits that are not the branch head, most refs packed and some loose.
func newRepo(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	script(t, dir, `
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

// forEachRef is what git itself says about dir's tags: "name commit" lines.
func forEachRef(t testing.TB, dir string) string {
	out := runGit(t, dir, "for-each-ref", "refs/tags", "--format=%(refname:strip=2) %(*objectname) %(objectname)")
	var b strings.Builder
	for line := range strings.SplitSeq(out, "\n") {
		f := strings.Fields(line)
		fmt.Fprintf(&b, "%s %s\n", f[0], f[1]) // %(*objectname) when peeled, else %(objectname)
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
	runGit(t, root, "clone", "-q", "--bare", dir, dst)
	return dst
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
