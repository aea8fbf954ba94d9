package env

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestResolveOrderAndSymlinks(t *testing.T) {
	dirs := mkdirs(t, "first", "second", "store")
	writeTool(t, dirs[0], "git", "first git")
	writeTool(t, dirs[1], "git", "second git")
	writeTool(t, dirs[1], "jq", "jq-1.6")
	target := writeTool(t, dirs[2], "git-lfs", "git-lfs/3.3.0")
	if err := os.Symlink(target, filepath.Join(dirs[1], "git-lfs")); err != nil {
		t.Fatal(err)
	}
	// Not executable in first: skipped, found in second.
	if err := os.WriteFile(filepath.Join(dirs[0], "jq"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A directory named like a tool is not a tool.
	if err := os.Mkdir(filepath.Join(dirs[0], "git-lfs"), 0o755); err != nil {
		t.Fatal(err)
	}
	e, err := Resolve(Spec{Path: dirs[:2], Tools: []string{"git", "jq", "git-lfs"}})
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	wantTools := map[string]string{
		"git":     filepath.Join(dirs[0], "git"),
		"jq":      filepath.Join(dirs[1], "jq"),
		"git-lfs": target,
	}
	wantFound := map[string]string{
		"git":     filepath.Join(dirs[0], "git"),
		"jq":      filepath.Join(dirs[1], "jq"),
		"git-lfs": filepath.Join(dirs[1], "git-lfs"),
	}
	if diff := cmp.Diff(wantTools, e.Tools); diff != "" {
		t.Errorf("Resolve Tools (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantFound, e.Found); diff != "" {
		t.Errorf("Resolve Found (-want +got):\n%s", diff)
	}
}

func TestResolveMissingAll(t *testing.T) {
	dirs := mkdirs(t, "a", "b")
	writeTool(t, dirs[0], "git", "git version 2.39.5")
	absent := filepath.Join(dirs[0], "absent") // skipped, not an error
	spec := Spec{Path: []string{dirs[0], absent, dirs[1]}, Tools: []string{"git-lfs", "git", "jq"}}
	_, err := Resolve(spec)
	var me *MissingError
	if !errors.As(err, &me) {
		t.Fatalf("Resolve(%v) = %v, want *MissingError", spec, err)
	}
	if diff := cmp.Diff([]string{"git-lfs", "jq"}, me.Tools); diff != "" {
		t.Errorf("MissingError.Tools (-want +got):\n%s", diff)
	}
	path := dirs[0] + ":" + absent + ":" + dirs[1]
	want := "git-lfs: not found in " + path + "\njq: not found in " + path
	if got := err.Error(); got != want {
		t.Errorf("MissingError.Error() = %q, want %q", got, want)
	}
	none := &MissingError{Tools: []string{"git"}}
	if got, want := none.Error(), "git: not found in (no directories)"; got != want {
		t.Errorf("MissingError.Error() = %q, want %q", got, want)
	}
}

func TestResolveRefusesInsecure(t *testing.T) {
	dirs := mkdirs(t, "open", "sticky", "ok", "parent/bin")
	chmod(t, dirs[0], 0o777)
	chmod(t, dirs[1], 0o777|os.ModeSticky)
	writeTool(t, dirs[1], "git", "git version 2.39.5")
	loose := writeTool(t, dirs[2], "jq", "jq-1.6")
	chmod(t, loose, 0o777)

	_, err := Resolve(Spec{Path: dirs, Tools: []string{"git"}})
	var ie *InsecureError
	if !errors.As(err, &ie) || ie.Path != dirs[0] {
		t.Fatalf("Resolve with %s mode 0777 = %v, want *InsecureError naming it", dirs[0], err)
	}
	if !strings.HasPrefix(err.Error(), dirs[0]+": env.path directory writable by others") {
		t.Errorf("error = %q, want it to start with the directory and why", err)
	}
	notDir := filepath.Join(dirs[1], "git")
	if _, err := Resolve(Spec{Path: []string{notDir}}); err == nil || !strings.Contains(err.Error(), notDir+": not a directory") {
		t.Errorf("Resolve with a file in path = %v, want an error naming %s", err, notDir)
	}
	// A sticky directory such as /tmp lets anyone add a name: never a
	// declared directory (issue 9: a tool planted there shadowed the real one).
	_, err = Resolve(Spec{Path: dirs[1:2], Tools: []string{"git"}})
	if !errors.As(err, &ie) || ie.Path != dirs[1] || !strings.Contains(err.Error(), "sticky") {
		t.Errorf("Resolve with a sticky world-writable directory = %v, want *InsecureError naming it", err)
	}
	_, err = Resolve(Spec{Path: dirs[2:3], Tools: []string{"jq"}})
	if !errors.As(err, &ie) || ie.Path != loose || !strings.Contains(err.Error(), "tool jq writable by others") {
		t.Errorf("Resolve with tool mode 0777 = %v, want *InsecureError naming %s", err, loose)
	}
	// The directory above a declared one: whoever can write it can
	// replace the declared directory.
	parent := filepath.Dir(dirs[3])
	chmod(t, parent, 0o777)
	_, err = Resolve(Spec{Path: dirs[3:], Tools: []string{}})
	if !errors.As(err, &ie) || ie.Path != parent || !strings.Contains(err.Error(), "directory above env.path directory "+dirs[3]) {
		t.Errorf("Resolve below a directory mode 0777 = %v, want *InsecureError naming %s", err, parent)
	}
	// Above the declared directories, a sticky directory is accepted if
	// root owns it (as /tmp): only root could rename what is in it.
	chmod(t, parent, 0o777|os.ModeSticky)
	_, err = Resolve(Spec{Path: dirs[3:], Tools: []string{}})
	if os.Geteuid() == 0 && err != nil {
		t.Errorf("Resolve below root's sticky directory = %v, want nil", err)
	} else if os.Geteuid() != 0 && !errors.As(err, &ie) {
		t.Errorf("Resolve below a sticky directory of uid %d = %v, want *InsecureError", os.Geteuid(), err)
	}
}

// TestResolveGroupWritable: a directory writable by its group is accepted
// when the group is root's or the invoking user's, refused otherwise.
func TestResolveGroupWritable(t *testing.T) {
	dirs := mkdirs(t, "own", "other")
	for _, d := range dirs {
		chmod(t, d, 0o775)
		writeTool(t, d, "git", "git version 2.39.5")
	}
	if err := os.Chown(dirs[0], -1, os.Getegid()); err != nil {
		t.Fatal(err)
	}
	if _, err := Resolve(Spec{Path: dirs[:1], Tools: []string{"git"}}); err != nil {
		t.Errorf("Resolve with a directory writable by the invoking user's group = %v, want nil", err)
	}
	if os.Geteuid() != 0 {
		t.Skip("changing a directory's group to another needs root")
	}
	if err := os.Chown(dirs[1], -1, nobody); err != nil {
		t.Fatal(err)
	}
	_, err := Resolve(Spec{Path: dirs[1:], Tools: []string{"git"}})
	var ie *InsecureError
	if !errors.As(err, &ie) || ie.Path != dirs[1] || !strings.Contains(err.Error(), "writable by group 65534") {
		t.Errorf("Resolve with a directory writable by group 65534 = %v, want *InsecureError naming it", err)
	}
}

func chmod(t *testing.T, p string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

func TestResolveRefusesBadSpec(t *testing.T) {
	tests := []struct {
		spec Spec
		key  string
	}{
		{Spec{}, "path"},
		{Spec{Path: []string{""}}, "path[0]"},
		{Spec{Path: []string{"/bin", "bin"}}, "path[1]"},
		{Spec{Path: []string{"/bin", "/bin"}}, "path[1]"},
		{Spec{Path: []string{"/bin:/usr/bin"}}, "path[0]"},
		{Spec{Path: []string{"/bin"}, Tools: []string{"sh", "/bin/sh"}}, "tools[1]"},
		{Spec{Path: []string{"/bin"}, Tools: []string{"sh", "sh"}}, "tools[1]"},
		{Spec{Path: []string{"/bin"}, Tools: []string{".."}}, "tools[0]"},
		{Spec{Path: []string{"/bin"}, Vars: map[string]string{"PATH": "/x"}}, "vars.PATH"},
		{Spec{Path: []string{"/bin"}, Vars: map[string]string{"A-B": "x"}}, "vars.A-B"},
		{Spec{Path: []string{"/bin"}, Pass: []string{"PA*"}}, "pass[0]"},
		{Spec{Path: []string{"/bin"}, Pass: []string{"CI", "["}}, "pass[1]"},
		{Spec{Path: []string{"/bin"}, Require: map[string]string{"git": ">= 2"}}, "require.git"},
		{Spec{Path: []string{"/bin"}, Tools: []string{"git"}, Require: map[string]string{"git": "newest"}}, "require.git"},
		{Spec{Path: []string{"/bin"}, VersionFlags: map[string]string{"ps": "-V"}}, "version_flags.ps"},
		{Spec{Path: []string{"/bin"}, Tools: []string{"ps"}, VersionFlags: map[string]string{"ps": " "}}, "version_flags.ps"},
		{Spec{Path: []string{"/bin"}, Tools: []string{"ps"}, VersionFlags: map[string]string{"ps": "-"}, Require: map[string]string{"ps": ">= 3"}}, "version_flags.ps"},
	}
	for _, tt := range tests {
		_, err := Resolve(tt.spec)
		var se *SpecError
		if !errors.As(err, &se) || se.Key != tt.key || !strings.HasPrefix(err.Error(), "env."+tt.key) {
			t.Errorf("Resolve(%+v) = %v, want *SpecError with Key %q", tt.spec, err, tt.key)
		}
	}
	for err, want := range map[error]string{
		&SpecError{Key: "path", Reason: "no directories declared"}:                    "env.path: no directories declared",
		&SpecError{Key: "path[1]", Value: "bin", Reason: "directory is not absolute"}: `env.path[1] "bin": directory is not absolute`,
	} {
		if got := err.Error(); got != want {
			t.Errorf("SpecError.Error() = %q, want %q", got, want)
		}
	}
	valid := Spec{Path: []string{"/bin"}, Tools: []string{"sh"}, Vars: map[string]string{"HOME": "/h", "_x1": ""},
		Pass: []string{"DRONE_*", "CI"}, Require: map[string]string{"sh": ">= 0.1"}, VersionFlags: map[string]string{"sh": "--version"}}
	if err := Validate(valid); err != nil {
		t.Errorf("Validate(%+v) = %v, want nil", valid, err)
	}
}

func TestLookPath(t *testing.T) {
	dirs := mkdirs(t, "a", "b", "elsewhere")
	writeTool(t, dirs[0], "git", "git")
	writeTool(t, dirs[1], "extra", "extra")
	other := writeTool(t, dirs[2], "other", "other")
	plain := filepath.Join(dirs[2], "plain")
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dirs[2]) // the caller's PATH plays no part
	e, err := Resolve(Spec{Path: dirs[:2], Tools: []string{"git"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		cmd, want, wantErr string
	}{
		{"git", filepath.Join(dirs[0], "git"), ""},
		{"extra", filepath.Join(dirs[1], "extra"), ""},
		{"other", "", "other: not found in " + dirs[0] + ":" + dirs[1]},
		{other, other, ""},
		{plain, "", "looking up " + plain + ": not an executable file"},
		{dirs[2] + "/nope", "", "looking up " + dirs[2] + "/nope: "},
		{"", "", "looking up command: empty name"},
	}
	for _, tt := range tests {
		got, err := e.LookPath(tt.cmd)
		if got != tt.want || (err == nil) != (tt.wantErr == "") || (err != nil && !strings.HasPrefix(err.Error(), tt.wantErr)) {
			t.Errorf("LookPath(%q) = %q, %v, want %q, %q...", tt.cmd, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestResolveSymlinkChains(t *testing.T) {
	root := mkdirs(t, "real/usr/bin", "real/usr/lib", "store/a", "store/b")[0]
	root = filepath.Dir(filepath.Dir(filepath.Dir(root)))
	at := func(p string) string { return filepath.Join(root, p) }
	bin := at("bin")
	symlink(t, "real/usr/bin", bin) // like /bin -> usr/bin
	lib := writeTool(t, at("real/usr/lib"), "climb", "climb")
	symlink(t, "../lib/climb", at("real/usr/bin/climb")) // ".." from the physical directory
	chained := writeTool(t, at("store/b"), "chained", "chained")
	symlink(t, chained, at("store/a/chained"))
	symlink(t, "../../../store/a/chained", at("real/usr/bin/chained")) // relative, then absolute
	if err := os.Mkdir(at("real/usr/bin/sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeTool(t, at("real/usr/bin/sub"), "plain", "plain")
	symlink(t, "sub/plain", at("real/usr/bin/plain")) // joined lexically: bin stays bin
	plain := filepath.Join(bin, "sub/plain")
	symlink(t, "loop2", at("real/usr/bin/loop1"))
	symlink(t, "loop1", at("real/usr/bin/loop2"))
	symlink(t, "/nonexistent/broken", at("real/usr/bin/broken"))

	e, err := Resolve(Spec{Path: []string{bin}, Tools: []string{"climb", "chained", "plain"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"climb": lib, "chained": chained, "plain": plain}
	if diff := cmp.Diff(want, e.Tools); diff != "" {
		t.Errorf("Resolve Tools (-want +got):\n%s", diff)
	}
	for tool, p := range e.Tools { // the kernel agrees
		kernel, err1 := os.Stat(filepath.Join(bin, tool))
		ours, err2 := os.Lstat(p)
		if err1 != nil || err2 != nil || !os.SameFile(kernel, ours) {
			t.Errorf("%s resolved to %s, not the file the kernel opens (%v, %v)", tool, p, err1, err2)
		}
	}
	_, err = Resolve(Spec{Path: []string{bin}, Tools: []string{"loop1", "broken"}})
	var me *MissingError
	if !errors.As(err, &me) || !cmp.Equal(me.Tools, []string{"loop1", "broken"}) {
		t.Errorf("Resolve of a symlink loop and a broken link = %v, want both missing", err)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}
