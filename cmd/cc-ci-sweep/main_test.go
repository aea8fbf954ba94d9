package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"cc-ci-sweep": main})
}

// TestScripts runs testdata/*.txtar: the scenarios of issue 4 section 6
// with real git repositories, real processes and real locks.
func TestScripts(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is needed to make recipe repositories")
	}
	bin := buildCCCIRun(t)
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata",
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			e.Setenv("PATH", filepath.Dir(bin)+string(filepath.ListSeparator)+e.Getenv("PATH"))
			e.Setenv("CCCI_RUN", bin)
			// A -race binary sleeps a second at exit by default; not here.
			e.Setenv("GORACE", strings.TrimSpace("atexit_sleep_ms=0 "+os.Getenv("GORACE")))
			e.Setenv("HOME", e.WorkDir)
			e.Setenv("GIT_CONFIG_NOSYSTEM", "1")
			e.Setenv("GIT_AUTHOR_NAME", "cc-ci test")
			e.Setenv("GIT_AUTHOR_EMAIL", "test@example.org")
			e.Setenv("GIT_COMMITTER_NAME", "cc-ci test")
			e.Setenv("GIT_COMMITTER_EMAIL", "test@example.org")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode":  cmdExitcode,
			"mkrecipe":  cmdMkrecipe,
			"advance":   cmdAdvance,
			"tagcommit": cmdTagcommit,
			"expand":    cmdExpand,
			"alive":     cmdAlive,
			"waitfile":  cmdWaitfile,
		},
	})
}

// buildCCCIRun builds the real cc-ci-run, for the scripts that start CI
// jobs beside a sweep or as the sweep's run command.
func buildCCCIRun(t *testing.T) string {
	gotool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("building cc-ci-run: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "cc-ci-run")
	out, err := exec.Command(gotool, "build", "-o", bin, "coopcloud.tech/cc-ci/cmd/cc-ci-run").CombinedOutput()
	if err != nil {
		t.Fatalf("building cc-ci-run: %v\n%s", err, out)
	}
	return bin
}

// exitcode N PROG ARGS...: run PROG and check its exit status is N; its
// output is kept for stdout/stderr like exec's.
func cmdExitcode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("running %s: %v", args[1], err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// git runs git in dir and returns its trimmed output.
func git(ts *testscript.TestScript, dir string, args ...string) string {
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = os.Environ()
	for _, k := range []string{"HOME", "GIT_CONFIG_NOSYSTEM", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL",
		"GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"} {
		cmd.Env = append(cmd.Env, k+"="+ts.Getenv(k))
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		ts.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// mkrecipe DIR TAG...: a git repository with one commit per tag, each
// tagged (annotated, so the sweep has to peel them).
func cmdMkrecipe(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: mkrecipe DIR [TAG...]")
	}
	dir := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(dir, 0o755))
	git(ts, dir, "init", "-q", "-b", "main")
	ts.Check(os.WriteFile(filepath.Join(dir, "compose.yml"), []byte("version: \"3.8\"\n"), 0o644))
	git(ts, dir, "add", ".")
	git(ts, dir, "commit", "-q", "-m", "init")
	for _, tag := range args[1:] {
		ts.Check(os.WriteFile(filepath.Join(dir, "VERSION"), []byte(tag+"\n"), 0o644))
		git(ts, dir, "add", ".")
		git(ts, dir, "commit", "-q", "-m", "release "+tag)
		git(ts, dir, "tag", "-a", "-m", "release "+tag, tag)
	}
}

// advance DIR: one more commit on the branch, past every tag.
func cmdAdvance(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: advance DIR")
	}
	dir := ts.MkAbs(args[0])
	ts.Check(os.WriteFile(filepath.Join(dir, "VERSION"), []byte("unreleased\n"), 0o644))
	git(ts, dir, "commit", "-q", "-am", "work in progress")
}

// tagcommit DIR TAG VAR: set $VAR to the commit TAG points to.
func cmdTagcommit(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: tagcommit DIR TAG VAR")
	}
	ts.Setenv(args[2], git(ts, ts.MkAbs(args[0]), "rev-parse", args[1]+"^{commit}"))
}

// expand FILE...: replace $WORK in each file with the script's work
// directory and @CCCI_RUN@ with the path of the cc-ci-run binary, so
// configs can hold absolute paths, and make it executable (scripts are
// expanded too). Other $VARs are left for the shell.
func cmdExpand(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! expand")
	}
	for _, f := range args {
		path := ts.MkAbs(f)
		b, err := os.ReadFile(path)
		ts.Check(err)
		text := strings.ReplaceAll(string(b), "$WORK", ts.Getenv("WORK"))
		text = strings.ReplaceAll(text, "@CCCI_RUN@", ts.Getenv("CCCI_RUN"))
		ts.Check(os.WriteFile(path, []byte(text), 0o755))
		ts.Check(os.Chmod(path, 0o755))
	}
}

// alive PIDFILE: succeed if the process whose PID the file holds is
// running (a zombie counts as gone).
func cmdAlive(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: alive PIDFILE")
	}
	b, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	ts.Check(err)
	up := processAlive(pid)
	if up == neg {
		ts.Fatalf("process %d alive = %v", pid, up)
	}
}

// processAlive reads /proc/PID/stat: present and not a zombie.
func processAlive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// waitfile FILE [SECONDS]: wait until FILE exists (default 10s).
func cmdWaitfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: waitfile FILE [SECONDS]")
	}
	limit := 10 * time.Second
	if len(args) == 2 {
		n, err := strconv.Atoi(args[1])
		ts.Check(err)
		limit = time.Duration(n) * time.Second
	}
	path := ts.MkAbs(args[0])
	for end := time.Now().Add(limit); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return
		}
	}
	ts.Fatalf("%s did not appear within %s", args[0], limit)
}
