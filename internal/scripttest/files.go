package scripttest

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"coopcloud.tech/cc-ci/internal/proctest"
)

// placeholder is @NAME@ in an expanded file.
var placeholder = regexp.MustCompile(`@[A-Za-z_][A-Za-z0-9_]*@`)

// expand FILE...
func cmdExpand(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! expand")
	}
	for _, file := range args {
		path := ts.MkAbs(file)
		b, err := os.ReadFile(path)
		ts.Check(err)
		text := strings.ReplaceAll(string(b), "$WORK", ts.Getenv("WORK"))
		text = placeholder.ReplaceAllStringFunc(text, func(p string) string {
			if v := ts.Getenv(strings.Trim(p, "@")); v != "" {
				return v
			}
			return p
		})
		ts.Check(os.WriteFile(path, []byte(text), 0o644)) // an existing file keeps its mode
		if strings.HasPrefix(text, "#!") {
			ts.Check(os.Chmod(path, 0o755))
			// A process forked meanwhile (another script's exec) holds
			// the written file open until its own exec: running the
			// script before then fails with "text file busy".
			fi, err := os.Stat(path)
			ts.Check(err)
			if !proctest.Eventually(waitLimit, func() bool { return !openAnywhere(fi) }) {
				ts.Fatalf("%s: still open for writing after %s", file, waitLimit)
			}
		}
	}
}

// waitfile FILE [SECONDS]
func cmdWaitfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: waitfile FILE [SECONDS]")
	}
	limit := limitArg(ts, args[1:])
	if !waitWritten(ts.MkAbs(args[0]), limit) {
		ts.Fatalf("%s: not written within %s", args[0], limit)
	}
}

// limitArg is the optional SECONDS argument of a waiting command, else
// waitLimit.
func limitArg(ts *testscript.TestScript, args []string) time.Duration {
	if len(args) == 0 {
		return waitLimit
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	return time.Duration(n) * time.Second
}

// waitWritten polls until path is written (see the package doc) and
// reports whether it was within limit.
func waitWritten(path string, limit time.Duration) bool {
	return proctest.Eventually(limit, func() bool {
		fi, err := os.Stat(path)
		return err == nil && (fi.Size() > 0 || !openAnywhere(fi))
	})
}

// waitgrep RE GLOB [SECONDS]
func cmdWaitgrep(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: waitgrep RE GLOB [SECONDS]")
	}
	limit := limitArg(ts, args[2:])
	re, err := regexp.Compile("(?m)" + args[0]) // line by line, as grep
	ts.Check(err)
	pattern := ts.MkAbs(args[1])
	if _, err := filepath.Glob(pattern); err != nil {
		ts.Fatalf("waitgrep: %v", err)
	}
	held := func() bool {
		files, _ := filepath.Glob(pattern)
		for _, f := range files {
			if b, err := os.ReadFile(f); err == nil && re.Match(b) {
				return true
			}
		}
		return false
	}
	if !proctest.Eventually(limit, held) {
		ts.Fatalf("waitgrep: no file %s holds %s within %s", args[1], args[0], limit)
	}
}

// openAnywhere reports whether a process has the file open, by
// /proc/PID/fd (of the processes this one may look at).
func openAnywhere(fi os.FileInfo) bool {
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		if _, err := strconv.Atoi(p.Name()); err != nil {
			continue
		}
		fdDir := filepath.Join("/proc", p.Name(), "fd")
		fds, _ := os.ReadDir(fdDir)
		for _, fd := range fds {
			link, err := os.Readlink(filepath.Join(fdDir, fd.Name()))
			if err != nil || filepath.Base(link) != fi.Name() {
				continue
			}
			if other, err := os.Stat(filepath.Join(fdDir, fd.Name())); err == nil && os.SameFile(fi, other) {
				return true
			}
		}
	}
	return false
}
