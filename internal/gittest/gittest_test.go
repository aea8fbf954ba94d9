package gittest_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"coopcloud.tech/cc-ci/internal/gittest"
)

// TestRunHermetic: nothing of the caller's git environment reaches git.
func TestRunHermetic(t *testing.T) {
	elsewhere := t.TempDir()
	gittest.Run(t, elsewhere, "init", "-q")
	t.Setenv("GIT_DIR", filepath.Join(elsewhere, ".git"))
	t.Setenv("GIT_AUTHOR_NAME", "intruder")
	t.Setenv("GIT_CONFIG_PARAMETERS", "'tag.gpgSign'='true'")
	dir := t.TempDir()
	gittest.Repo(t, dir, "1.0.0+1")
	gittest.Run(t, dir, "commit", "-q", "--allow-empty", "-m", "by Run")
	got := gittest.Run(t, dir, "log", "-2", "--format=%an <%ae> %cn <%ce> %aI %cI")
	who := "cc-ci test <test@example.org> cc-ci test <test@example.org> 2026-11-21T00:00:00+00:00 2026-11-21T00:00:00+00:00"
	if want := who + "\n" + who; got != want {
		t.Errorf("git log (by Run, by Repo) = %q, want %q", got, want)
	}
	if got := gittest.Run(t, dir, "rev-parse", "--absolute-git-dir"); got != filepath.Join(dir, ".git") {
		t.Errorf("git dir = %s, want %s (GIT_DIR leaked in)", got, filepath.Join(dir, ".git"))
	}
}

func TestEnv(t *testing.T) {
	var keys []string
	for _, kv := range gittest.Env("/h") {
		k, _, _ := strings.Cut(kv, "=")
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"GIT_AUTHOR_DATE", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_NAME", "GIT_COMMITTER_DATE",
		"GIT_COMMITTER_EMAIL", "GIT_COMMITTER_NAME", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM", "HOME", "PATH"}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("Env keys (-want +got):\n%s", diff)
	}
}

func TestRepo(t *testing.T) {
	tags := []string{"1.0.0+1", "1.1.0+1", "2.0.0+1"}
	tests := []struct {
		opts  gittest.Options
		types []string // git cat-file -t of each tag
	}{
		{gittest.Options{}, []string{"tag", "tag", "tag"}},
		{gittest.Options{Tags: gittest.Lightweight}, []string{"commit", "commit", "commit"}},
		{gittest.Options{Tags: gittest.Mixed, Packed: true}, []string{"tag", "commit", "tag"}},
	}
	for _, tt := range tests {
		dir := filepath.Join(t.TempDir(), "new")
		commits := tt.opts.Repo(t, dir, tags...)
		var types []string
		for _, tag := range tags {
			types = append(types, gittest.Run(t, dir, "cat-file", "-t", tag))
			if want := gittest.Run(t, dir, "rev-parse", tag+"^{commit}"); commits[tag] != want {
				t.Errorf("%+v: Repo gave %s for %s, want %s", tt.opts, commits[tag], tag, want)
			}
			if got := gittest.Run(t, dir, "show", tag+":VERSION"); got != tag {
				t.Errorf("%+v: VERSION at %s = %q", tt.opts, tag, got)
			}
		}
		if diff := cmp.Diff(tt.types, types); diff != "" {
			t.Errorf("%+v: tag types (-want +got):\n%s", tt.opts, diff)
		}
		if len(commits) != len(tags) {
			t.Errorf("%+v: Repo gave %d commits, want %d", tt.opts, len(commits), len(tags))
		}
		if got := gittest.Run(t, dir, "rev-list", "--count", "HEAD"); got != "4" {
			t.Errorf("%+v: %s commits on main, want 4", tt.opts, got)
		}
		if got := gittest.Run(t, dir, "status", "--porcelain", "--branch"); got != "## main" {
			t.Errorf("%+v: git status = %q, want main checked out and clean", tt.opts, got)
		}
		loose, _ := os.ReadDir(filepath.Join(dir, ".git", "refs", "tags"))
		if packed := len(loose) == 0; packed != tt.opts.Packed {
			t.Errorf("%+v: %d loose tags", tt.opts, len(loose))
		}
	}
}

func TestRepoNoTags(t *testing.T) {
	dir := t.TempDir()
	if commits := gittest.Repo(t, dir); len(commits) != 0 {
		t.Errorf("Repo(no tags) = %v", commits)
	}
	head := gittest.Advance(t, dir)
	if got := gittest.Run(t, dir, "rev-parse", "HEAD~1^{tree}"); got == gittest.Run(t, dir, "rev-parse", head+"^{tree}") {
		t.Errorf("Advance committed no change")
	}
}

func TestTagsAndAdvance(t *testing.T) {
	dir := t.TempDir()
	gittest.Script(t, dir, `
init -q -b main
commit -q --allow-empty -m one
tag 1.0.0
tag -a -m annotated 1.1.0

tag -a -m nested 1.2.0 1.1.0
`)
	one := gittest.Run(t, dir, "rev-parse", "HEAD")
	want := map[string]string{"1.0.0": one, "1.1.0": one, "1.2.0": gittest.Run(t, dir, "rev-parse", "1.1.0")}
	if diff := cmp.Diff(want, gittest.Tags(t, dir)); diff != "" {
		t.Errorf("Tags (-want +got):\n%s", diff)
	}
	gittest.Run(t, dir, "commit", "-q", "--allow-empty", "-m", "two")
	if head := gittest.Advance(t, dir); head == one || head != gittest.Run(t, dir, "rev-parse", "main") {
		t.Errorf("Advance = %s; main was at %s", head, one)
	}
}

// fatalTB records what Fatalf says and stops the goroutine, as testing does.
type fatalTB struct {
	*testing.T
	msg string
}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = strings.TrimSpace(strings.ReplaceAll(fmt.Sprintf(format, args...), "\n", " "))
	runtime.Goexit()
}

func TestRunFails(t *testing.T) {
	f := &fatalTB{T: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		gittest.Run(f, t.TempDir(), "rev-parse", "--verify", "nosuch")
		t.Error("Run returned after git failed")
	}()
	<-done
	for _, want := range []string{"git rev-parse --verify nosuch in ", "exit status 128", "fatal: "} {
		if !strings.Contains(f.msg, want) {
			t.Errorf("Run's failure %q does not say %q", f.msg, want)
		}
	}
}

// TestImports: gittest and scripttest stay test support for every package,
// importing nothing of the module but each other.
func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "coopcloud.tech/cc-ci/internal/...").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for dep := range strings.FieldsSeq(string(out)) {
		if strings.HasPrefix(dep, "coopcloud.tech/cc-ci/") && !strings.HasPrefix(dep, "coopcloud.tech/cc-ci/internal/") {
			t.Errorf("internal/... depends on %s", dep)
		}
	}
}

func ExampleEnv() {
	for _, kv := range gittest.Env("/home/test")[1:] { // all but PATH
		fmt.Println(kv)
	}
	// Output:
	// HOME=/home/test
	// GIT_CONFIG_NOSYSTEM=1
	// GIT_CONFIG_GLOBAL=/dev/null
	// GIT_AUTHOR_NAME=cc-ci test
	// GIT_AUTHOR_EMAIL=test@example.org
	// GIT_AUTHOR_DATE=2026-11-21T00:00:00Z
	// GIT_COMMITTER_NAME=cc-ci test
	// GIT_COMMITTER_EMAIL=test@example.org
	// GIT_COMMITTER_DATE=2026-11-21T00:00:00Z
}
