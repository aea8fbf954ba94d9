package sweep

import (
	"path/filepath"
	"testing"

	"coopcloud.tech/cc-ci/internal/gittest"
)

// git runs git in dir, hermetically (gittest.Run).
func git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	return gittest.Run(t, dir, args...)
}

// makeRepo makes a git repository at dir with one commit per tag, tags
// alternately annotated and lightweight, and returns the commit of each.
func makeRepo(t testing.TB, dir string, tags ...string) map[string]string {
	t.Helper()
	return gittest.Options{Tags: gittest.Mixed}.Repo(t, dir, tags...)
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
