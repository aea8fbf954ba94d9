package env

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// strictSpec declares git and jq, found in a directory that also holds
// python3, with a runtime directory of its own.
func strictSpec(t *testing.T, root string) Spec {
	t.Helper()
	bin := filepath.Join(root, "bin")
	mkdir(t, bin, 0o755)
	for _, tool := range []string{"git", "jq", "python3"} {
		writeTool(t, bin, tool, tool+" version 1.0")
	}
	return Spec{Path: []string{bin}, Tools: []string{"git", "jq"}, Strict: true,
		RuntimeDir: filepath.Join(root, "lock", "env")}
}

func TestStrictView(t *testing.T) {
	root := publicDir(t)
	spec := strictSpec(t, root)
	e, err := Resolve(spec)
	if err != nil {
		t.Fatal(err)
	}
	udir := filepath.Join(spec.RuntimeDir, strconv.Itoa(os.Geteuid()))
	want := filepath.Join(udir, "e1-"+strings.TrimPrefix(e.Fingerprint(), "e1:"), "bin")
	if e.View != want {
		t.Fatalf("View = %q, want %q", e.View, want)
	}
	entries, err := os.ReadDir(e.View)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ent := range entries {
		names = append(names, ent.Name())
		if link, err := os.Readlink(filepath.Join(e.View, ent.Name())); err != nil || link != e.Tools[ent.Name()] {
			t.Errorf("view %s -> %q, %v; want a link to %s", ent.Name(), link, err, e.Tools[ent.Name()])
		}
	}
	if !slices.Equal(names, []string{"git", "jq"}) {
		t.Errorf("view holds %q, want git and jq", names)
	}
	if got := e.Environ(nil); !slices.Contains(got, "PATH="+e.View) {
		t.Errorf("Environ = %q, want PATH=%s alone", got, e.View)
	}
	if p, err := e.LookPath("git"); p != filepath.Join(e.View, "git") || err != nil {
		t.Errorf("LookPath(git) = %q, %v; want the view's link", p, err)
	}
	_, err = e.LookPath("python3") // in the declared directory, not declared
	var me *MissingError
	if !errors.As(err, &me) || !me.Undeclared || !strings.Contains(err.Error(), "python3: not in env.tools") {
		t.Errorf("LookPath(python3) = %v, want an undeclared *MissingError", err)
	}
	// A job sees only the declared tools, and can run each.
	cmd := exec.Command("/bin/sh", "-c", "git && jq && { python3 || echo no python3; }")
	cmd.Env = e.Environ(nil)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "git version 1.0\njq version 1.0\n") ||
		!strings.Contains(string(out), "no python3") {
		t.Errorf("a job in the view said %q, %v; want git and jq to run and python3 not found", out, err)
	}
	// The view and the directories above it are the user's alone.
	for _, d := range []string{udir, filepath.Dir(e.View), e.View} {
		if fi, err := os.Lstat(d); err != nil || !fi.IsDir() || !OwnedAlone(fi) {
			t.Errorf("%s: %v, %v; want a directory only the user can write", d, fi.Mode(), err)
		}
	}
	if fi, err := os.Stat(spec.RuntimeDir); err != nil || fi.Mode()&os.ModeSticky == 0 {
		t.Errorf("runtime directory %s: %v, %v; want it sticky", spec.RuntimeDir, fi.Mode(), err)
	}

	// Again: the same view, not rebuilt.
	before, _ := os.Lstat(e.View)
	e2, err := Resolve(spec)
	if err != nil || e2.View != e.View {
		t.Fatalf("second Resolve: View %q, %v; want %q", e2.View, err, e.View)
	}
	if after, _ := os.Lstat(e2.View); !os.SameFile(before, after) {
		t.Error("second Resolve rebuilt the view")
	}
	// Another declaration, another view.
	spec.Tools = append(spec.Tools, "python3")
	e3, err := Resolve(spec)
	if err != nil || e3.View == e.View {
		t.Fatalf("Resolve with python3 declared: View %q, %v; want a new view", e3.View, err)
	}
	if _, err := e3.LookPath("python3"); err != nil {
		t.Errorf("LookPath(python3) once declared = %v", err)
	}
}

// TestStrictViewTampered: a view that someone else could write is
// rebuilt before use, never used; a user directory that someone else
// could write is refused.
func TestStrictViewTampered(t *testing.T) {
	root := publicDir(t)
	spec := strictSpec(t, root)
	e, err := Resolve(spec)
	if err != nil {
		t.Fatal(err)
	}
	view, udir := e.View, filepath.Dir(filepath.Dir(e.View))
	marker := filepath.Join(root, "marker")
	tamper := func(how string) {
		t.Helper()
		e, err := Resolve(spec)
		if err != nil || e.View != view {
			t.Fatalf("after %s: Resolve = %v (view %q), want the view rebuilt at %s", how, err, e.View, view)
		}
		for _, d := range []string{filepath.Dir(view), view} {
			if fi, err := os.Lstat(d); err != nil || !OwnedAlone(fi) {
				t.Fatalf("after %s: %s is %v, %v; want it rebuilt, the user's alone", how, d, fi.Mode(), err)
			}
		}
		cmd := exec.Command(filepath.Join(e.View, "git"))
		if out, err := cmd.CombinedOutput(); err != nil || string(out) != "git version 1.0\n" {
			t.Errorf("after %s: the view's git said %q, %v; want the declared one", how, out, err)
		}
		noMark(t, marker)
	}

	chmod(t, view, 0o777)
	if os.Geteuid() == 0 {
		chmod(t, filepath.Dir(spec.RuntimeDir), 0o755) // the lock directory, so that nobody gets in
		evil := filepath.Join(root, "nobody")
		mkdir(t, evil, 0o755)
		if err := os.Chown(evil, nobody, nobody); err != nil {
			t.Fatal(err)
		}
		asNobody(t, "rm "+view+"/git; printf '"+planted(marker)+"' > "+evil+"/git; chmod 755 "+evil+"/git; ln -s "+evil+"/git "+view+"/git")
		if link, _ := os.Readlink(filepath.Join(view, "git")); link != evil+"/git" {
			t.Fatalf("nobody's link did not take: view's git -> %q", link)
		}
	}
	tamper("bin made writable by others")

	if os.Geteuid() == 0 {
		if err := os.Chown(filepath.Dir(view), nobody, nobody); err != nil {
			t.Fatal(err)
		}
		tamper("the view given to nobody")
	}

	chmod(t, udir, 0o777)
	var ie *InsecureError
	if _, err := Resolve(spec); !errors.As(err, &ie) || ie.Path != udir {
		t.Errorf("Resolve with %s mode 0777 = %v, want *InsecureError naming it", udir, err)
	}
	chmod(t, udir, 0o755)
	chmod(t, spec.RuntimeDir, 0o777) // no longer sticky
	if _, err := Resolve(spec); !errors.As(err, &ie) || ie.Path != spec.RuntimeDir {
		t.Errorf("Resolve with %s mode 0777 = %v, want *InsecureError naming it", spec.RuntimeDir, err)
	}
}

func TestStrictNeedsRuntimeDir(t *testing.T) {
	spec := Spec{Path: []string{"/bin"}, Tools: []string{"sh"}, Strict: true}
	var se *SpecError
	if _, err := Resolve(spec); !errors.As(err, &se) || se.Key != "strict" {
		t.Errorf("Resolve(strict, no runtime directory) = %v, want *SpecError for strict", err)
	}
	spec.RuntimeDir = "/run/cc:ci/env"
	if _, err := Resolve(spec); !errors.As(err, &se) || se.Key != "strict" {
		t.Errorf("Resolve(strict, runtime %s) = %v, want *SpecError for strict", spec.RuntimeDir, err)
	}
	file := filepath.Join(t.TempDir(), "lock")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	spec.RuntimeDir = filepath.Join(file, "env")
	var ve *ViewError
	if _, err := Resolve(spec); !errors.As(err, &ve) || !strings.HasPrefix(err.Error(), "making the strict view "+spec.RuntimeDir+": ") {
		t.Errorf("Resolve(strict, runtime below a file) = %v, want *ViewError naming it", err)
	}
}
