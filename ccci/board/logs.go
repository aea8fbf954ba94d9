package board

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// maxLogRead bounds how much of a log's end publishLog reads.
const maxLogRead = 8 << 20

// publishLog writes the log at src to dst as the board publishes it: its
// last o.LogTail lines (all when 0), headed by a line saying what was cut,
// each line through o.Redact.
func publishLog(src, dst string, o *Options) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	off := max(fi.Size()-maxLogRead, 0)
	b, err := io.ReadAll(io.NewSectionReader(f, off, fi.Size()-off))
	if err != nil {
		return err
	}
	if off > 0 { // the first line read is a part
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	lines := strings.SplitAfter(string(b), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	var out strings.Builder
	if o.LogTail > 0 && len(lines) > o.LogTail || off > 0 {
		n := min(len(lines), max(o.LogTail, 0))
		if o.LogTail == 0 {
			n = len(lines)
		}
		fmt.Fprintf(&out, "(cc-ci: the last %d lines of a longer log; the whole log stays on the CI host)\n", n)
		lines = lines[len(lines)-n:]
	}
	for _, l := range lines {
		out.WriteString(o.redact(l))
	}
	return os.WriteFile(dst, []byte(out.String()), 0o644)
}
