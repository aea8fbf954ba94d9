package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"coopcloud.tech/cc-ci/internal/gittest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func runTags(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestBuiltin(t *testing.T) {
	code, out, errs := runTags(t, "")
	if code != 0 || errs != "" {
		t.Fatalf("run() = %d, stderr %q", code, errs)
	}
	golden := filepath.Join("testdata", "builtin.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), out); diff != "" {
		t.Errorf("run() output (-want +got):\n%s", diff)
	}
}

func TestRepository(t *testing.T) {
	dir := t.TempDir()
	gittest.Script(t, dir, `
init -q
commit -q --allow-empty -m one
tag 6.0.1+28.0.2-fpm
tag 5.0.3+27.0.1-fpm
tag -a -m x 5.0.2+27.0.1-fpm
tag v2.4.8
pack-refs --all
tag 7ae7b0f7+U
`)
	code, out, errs := runTags(t, "", dir)
	want := "# " + dir + `
  5.0.2+27.0.1-fpm
  5.0.3+27.0.1-fpm
* 6.0.1+28.0.2-fpm (latest)
- tag "7ae7b0f7+U": recipe version "7ae7b0f7" is not MAJOR.MINOR.PATCH
- tag "v2.4.8": legacy tag without '+', not a release
`
	if code != 0 || errs != "" {
		t.Fatalf("run(%s) = %d, stderr %q", dir, code, errs)
	}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("run(%s) output (-want +got):\n%s", dir, diff)
	}
}

func TestStdin(t *testing.T) {
	code, out, _ := runTags(t, "v1.0.0\n\n  v1.0.3\nv1.0.1\n1.2.3\x00+x\n", "-")
	want := `# stdin
  v1.0.0
  v1.0.1
* v1.0.3 (latest)
- tag "1.2.3\x00+x": contains space or control character '\x00'
`
	if code != 0 {
		t.Fatalf("run(-) = %d", code)
	}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("run(-) output (-want +got):\n%s", diff)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		args    []string
		code    int
		wantErr string
	}{
		{[]string{"a", "b"}, 2, "usage: tags [DIR | -]"},
		{[]string{"-x"}, 2, "flag provided but not defined"},
		{[]string{"/nonexistent/recipe"}, 1, "tags: reading tags of /nonexistent/recipe: repository does not exist"},
	}
	for _, tt := range tests {
		code, out, errs := runTags(t, "", tt.args...)
		if code != tt.code || out != "" || !strings.Contains(errs, tt.wantErr) {
			t.Errorf("run(%q) = %d, stdout %q, stderr %q; want %d and %q", tt.args, code, out, errs, tt.code, tt.wantErr)
		}
	}
}
