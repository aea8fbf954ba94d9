package env

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestParseVersionSamples parses the real version outputs in
// testdata/versions: every file there needs a row here.
func TestParseVersionSamples(t *testing.T) {
	want := map[string]string{
		"bash":    "5.2.15",  // GNU bash, version 5.2.15(1)-release (x86_64-pc-linux-gnu)
		"curl":    "7.88.1",  // curl 7.88.1 (x86_64-pc-linux-gnu) libcurl/7.88.1 ...
		"docker":  "28.2.2",  // Docker version 28.2.2, build e6534b4
		"env":     "9.1",     // env (GNU coreutils) 9.1
		"flock":   "2.38.1",  // flock from util-linux 2.38.1
		"git":     "2.39.5",  // git version 2.39.5
		"git-lfs": "3.3.0",   // git-lfs/3.3.0 (GitHub; linux amd64; go 1.19.8)
		"grep":    "3.8",     // grep (GNU grep) 3.8
		"jq":      "1.6",     // jq-1.6
		"node":    "20.20.2", // v20.20.2
		"openssl": "3.0.19",  // OpenSSL 3.0.19 27 Jan 2026 (Library: ...)
		"ps":      "4.0.2",   // ps from procps-ng 4.0.2
		"python3": "3.11.7",  // Python 3.11.7
		"sed":     "4.9",     // sed (GNU sed) 4.9
		"ssh":     "9.2",     // OpenSSH_9.2p1 Debian-2+deb12u6, OpenSSL 3.0.19 ...
		"tar":     "1.34",    // tar (GNU tar) 1.34
	}
	files, err := filepath.Glob("testdata/versions/*.txt")
	if err != nil || len(files) < 8 {
		t.Fatalf("testdata/versions: %d files, %v", len(files), err)
	}
	for _, file := range files {
		tool := strings.TrimSuffix(filepath.Base(file), ".txt")
		out, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		w, ok := want[tool]
		if !ok {
			t.Errorf("%s: no expected version in the table", file)
			continue
		}
		v, err := ParseVersion(tool, string(out))
		if err != nil || v.Original() != w {
			t.Errorf("ParseVersion(%q, %s) = %v, %v, want %s", tool, file, v, err, w)
		}
		delete(want, tool)
	}
	for tool := range want {
		t.Errorf("no testdata/versions/%s.txt for the table's row", tool)
	}
}

func TestParseVersion(t *testing.T) {
	tests := []struct{ output, want string }{
		{"jq-1.7.1\n", "1.7.1"},
		{"Docker version 20.10.24+dfsg1, build 297e128", "20.10.24"},
		{"tool version 0.10.0-beta\n", "0.10.0-beta"},
		{"tool 2.0.0-rc.1 (commit abc)", "2.0.0-rc.1"},
		{"tool 1.2.3-", "1.2.3"},
		{"\n\nbanner line\nVersion: 1.40.0\n", "1.40.0"},
		{"x86_64 build\nversion 5\n", "5"},
		{"tool v1.2", "1.2"},
	}
	for _, tt := range tests {
		v, err := ParseVersion("tool", tt.output)
		if err != nil || v.Original() != tt.want {
			t.Errorf("ParseVersion(%q) = %v, %v, want %s", tt.output, v, err, tt.want)
		}
	}
	if _, err := ParseVersion("tool", "tool 99999999999999999999.1"); err == nil || !strings.HasPrefix(err.Error(), "tool: ") {
		t.Errorf("ParseVersion of an overflowing version = %v, want an error naming tool", err)
	}
	for _, bad := range []string{"", "usage: tool [-h]\n", "x86_64 linux\n", "built 2024\n"} {
		v, err := ParseVersion("tool", bad)
		if !errors.Is(err, ErrNoVersion) || !strings.HasPrefix(err.Error(), "tool: ") {
			t.Errorf("ParseVersion(%q) = %v, %v, want an error naming tool wrapping ErrNoVersion", bad, v, err)
		}
	}
}

func FuzzParseVersion(f *testing.F) {
	files, _ := filepath.Glob("testdata/versions/*.txt")
	for _, file := range files {
		out, _ := os.ReadFile(file)
		f.Add(string(out))
	}
	f.Add("1.2.3-rc.1+build")
	f.Fuzz(func(t *testing.T, output string) {
		v, err := ParseVersion("tool", output)
		if err != nil {
			return
		}
		// What it finds is in the output, and is found again on its own.
		if !strings.Contains(output, v.Original()) {
			t.Errorf("ParseVersion(%q) = %q, not in the output", output, v.Original())
		}
		line := "tool version " + v.Original()
		again, err := ParseVersion("tool", line)
		if err != nil || again.Original() != v.Original() {
			t.Errorf("ParseVersion(%q) = %v, %v, want %q", line, again, err, v.Original())
		}
	})
}
