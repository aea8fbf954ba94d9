// Package gittest runs git in tests, hermetically, and makes real
// repositories with release tags.
//
// Every git it runs has the environment Env builds from nothing: no
// system or user configuration, a fixed author, committer and date, and
// nothing else of the caller's environment (no GIT_DIR, no GIT_* at all).
//
//	commits := gittest.Repo(t, dir, "1.0.0+1.0", "1.1.0+1.0") // tag -> commit
//	head := gittest.Run(t, dir, "rev-parse", "HEAD")
//
// Its functions take a TB: a *testing.T, *testing.B or *testing.F, or
// what scripttest makes of a testscript.
package gittest

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
)

// The author and committer of every commit and tag, and their date.
const (
	Name  = "cc-ci test"
	Email = "test@example.org"
	Date  = "2026-11-21T00:00:00Z"
)

// TB is the part of testing.TB that gittest uses.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	TempDir() string
}

// Env is the whole environment of a hermetic git: this process's PATH,
// HOME=home, no system or global configuration, and Name, Email and Date
// as author and committer.
func Env(home string) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=" + Name,
		"GIT_AUTHOR_EMAIL=" + Email,
		"GIT_AUTHOR_DATE=" + Date,
		"GIT_COMMITTER_NAME=" + Name,
		"GIT_COMMITTER_EMAIL=" + Email,
		"GIT_COMMITTER_DATE=" + Date,
	}
}

// Command is git with args, run in dir with Env(home): for callers that
// need its standard input or have no TB.
func Command(home, dir string, args ...string) *exec.Cmd {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = Env(home)
	return cmd
}

// Run runs git with args in dir, with HOME a new t.TempDir(), and returns
// its standard output, trimmed. If git fails, Run stops the test, showing
// git's standard error.
func Run(t TB, dir string, args ...string) string {
	t.Helper()
	cmd := Command(t.TempDir(), dir, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %s in %s: %v\n%s", strings.Join(args, " "), dir, err, stderr.Bytes())
	}
	return strings.TrimSpace(string(out))
}

// Script runs git in dir once per line of lines, each line's arguments
// split at white space (there is no quoting). Blank lines are skipped.
func Script(t TB, dir, lines string) {
	t.Helper()
	for line := range strings.SplitSeq(lines, "\n") {
		if args := strings.Fields(line); len(args) > 0 {
			Run(t, dir, args...)
		}
	}
}
