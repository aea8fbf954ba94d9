package scripttest

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
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
		}
	}
}

// waitfile FILE [SECONDS]
func cmdWaitfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: waitfile FILE [SECONDS]")
	}
	limit := waitLimit
	if len(args) == 2 {
		n, err := strconv.Atoi(args[1])
		ts.Check(err)
		limit = time.Duration(n) * time.Second
	}
	if !waitWritten(ts.MkAbs(args[0]), limit) {
		ts.Fatalf("%s: not written within %s", args[0], limit)
	}
}

// waitWritten polls until path is written (see the package doc) and
// reports whether it was within limit.
func waitWritten(path string, limit time.Duration) bool {
	for end := time.Now().Add(limit); ; time.Sleep(10 * time.Millisecond) {
		if fi, err := os.Stat(path); err == nil && (fi.Size() > 0 || !openAnywhere(fi)) {
			return true
		}
		if time.Now().After(end) {
			return false
		}
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
