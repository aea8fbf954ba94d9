package sweep

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// git runs git in dir with a fixed identity and no user config.
func git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=t",
		"GIT_COMMITTER_EMAIL=t@example.org", "GIT_AUTHOR_DATE=2026-11-21T00:00:00Z",
		"GIT_COMMITTER_DATE=2026-11-21T00:00:00Z")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
	return strings.TrimSpace(string(out))
}

// makeRepo makes a git repository at dir with one commit per tag, tags
// alternately annotated and lightweight, and returns the commit of each.
func makeRepo(t testing.TB, dir string, tags ...string) map[string]string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	git(t, dir, "init", "-q", "-b", "main")
	commits := map[string]string{}
	git(t, dir, "commit", "-q", "--allow-empty", "-m", "init")
	for i, tag := range tags {
		git(t, dir, "commit", "-q", "--allow-empty", "-m", "release "+tag)
		if i%2 == 0 {
			git(t, dir, "tag", "-a", "-m", "release "+tag, tag)
		} else {
			git(t, dir, "tag", tag)
		}
		commits[tag] = git(t, dir, "rev-parse", "HEAD")
	}
	return commits
}

// recipesDir makes a folder of recipe clones, name -> tags.
func recipesDir(t testing.TB, repos map[string][]string) (string, map[string]map[string]string) {
	t.Helper()
	dir := t.TempDir()
	commits := map[string]map[string]string{}
	for name, tags := range repos {
		commits[name] = makeRepo(t, filepath.Join(dir, name), tags...)
	}
	return dir, commits
}
