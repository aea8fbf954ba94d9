package env

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The attacks of issue 9 section 2, as root, with files planted by nobody
// (a real second user, through setpriv). Each planted tool would touch
// the marker file if it ran; Resolve must refuse before anything runs, with
// one *InsecureError naming the path and the reason.

// planted is a tool script that leaves a mark when it runs.
func planted(marker string) string {
	return "#!/bin/sh\necho planted > " + marker + "\n"
}

// plant runs the shell commands first as nobody, then, as nobody still,
// writes at path a tool that would leave marker.
func plant(t *testing.T, first, path, marker string) {
	t.Helper()
	asNobody(t, first+"printf '"+planted(marker)+"' > "+path+"; chmod 755 "+path)
}

// wantRefused checks that spec does not resolve, naming path and reason,
// and that the tool planted to leave marker did not run.
func wantRefused(t *testing.T, spec Spec, path, reason, marker string) {
	t.Helper()
	defer noMark(t, marker)
	e, err := Resolve(spec)
	var ie *InsecureError
	if !errors.As(err, &ie) || ie.Path != path || !strings.Contains(err.Error(), reason) {
		t.Fatalf("Resolve = %v, %v; want *InsecureError naming %s: %s", e, err, path, reason)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error %q is more than one line", err)
	}
}

func TestPlantedStickyDirectory(t *testing.T) {
	needRoot(t)
	root := publicDir(t)
	sticky, real := filepath.Join(root, "sticky"), filepath.Join(root, "real")
	mkdir(t, sticky, 0o777|os.ModeSticky)
	mkdir(t, real, 0o755)
	writeTool(t, real, "git", "git version 2.39.5")
	marker := filepath.Join(root, "marker")
	plant(t, "", sticky+"/git", marker)
	wantRefused(t, Spec{Path: []string{sticky, real}, Tools: []string{"git"}}, sticky,
		"env.path directory writable by others (a sticky directory such as /tmp is accepted only above", marker)
}

func TestPlantedParentRenamed(t *testing.T) {
	needRoot(t)
	root := publicDir(t)
	open := filepath.Join(root, "open")
	bin := filepath.Join(open, "bin")
	mkdir(t, open, 0o777)
	mkdir(t, bin, 0o755)
	writeTool(t, bin, "sh", "the real sh")
	marker := filepath.Join(root, "marker")
	// nobody cannot write bin, but can rename it aside and make another.
	plant(t, "mv "+bin+" "+bin+".old; mkdir "+bin+"; ", bin+"/sh", marker)
	wantRefused(t, Spec{Path: []string{bin}, Tools: []string{"sh"}}, open,
		"directory above env.path directory "+bin+" writable by others", marker)
}

func TestPlantedLinkTarget(t *testing.T) {
	needRoot(t)
	root := publicDir(t)
	bin, open := filepath.Join(root, "bin"), filepath.Join(root, "open")
	mkdir(t, bin, 0o755)
	mkdir(t, open, 0o777)
	target := writeTool(t, open, "git-real", "git version 2.39.5") // root's, 0755
	symlink(t, target, filepath.Join(bin, "git"))
	marker := filepath.Join(root, "marker")
	plant(t, "rm "+target+"; ", target, marker)
	wantRefused(t, Spec{Path: []string{bin}, Tools: []string{"git"}}, open,
		"directory holding tool git writable by others", marker)
}

func TestPlantedOtherUsersFile(t *testing.T) {
	needRoot(t)
	root := publicDir(t)
	bin := filepath.Join(root, "bin")
	mkdir(t, bin, 0o755)
	tool := writeTool(t, bin, "jq", "jq-1.6")
	if err := os.Chown(tool, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(root, "marker")
	plant(t, "", tool, marker) // its owner rewrites it at will
	wantRefused(t, Spec{Path: []string{bin}, Tools: []string{"jq"}}, tool,
		"tool jq owned by uid 65534, neither root nor the invoking user (uid 0)", marker)
}

func TestPlantedSymlinkAbove(t *testing.T) {
	needRoot(t)
	root := publicDir(t)
	sticky := filepath.Join(root, "sticky") // root's, like /tmp: fine above
	mkdir(t, sticky, 0o777|os.ModeSticky)
	mine := filepath.Join(root, "mine", "bin")
	mkdir(t, filepath.Dir(mine), 0o755)
	mkdir(t, mine, 0o755)
	writeTool(t, mine, "sh", "the real sh")
	if _, err := Resolve(Spec{Path: []string{mine}, Tools: []string{"sh"}}); err != nil {
		t.Fatalf("Resolve of root's files below root's sticky directory = %v, want nil", err)
	}
	// nobody's link in the sticky directory, into nobody's own tools.
	link := filepath.Join(sticky, "tools")
	marker := filepath.Join(root, "marker")
	plant(t, "mkdir -p "+sticky+"/n/bin; ln -s n "+link+"; ", sticky+"/n/bin/sh", marker)
	wantRefused(t, Spec{Path: []string{filepath.Join(link, "bin")}, Tools: []string{"sh"}}, link,
		"symlink to env.path directory "+link+"/bin owned by uid 65534", marker)
}

// TestTrustedHost: root's own directories and tools, below /tmp, resolve;
// so do the system's (/usr/bin and /bin, a symlink to it on Debian).
func TestTrustedHost(t *testing.T) {
	root := publicDir(t)
	bin := filepath.Join(root, "bin")
	mkdir(t, bin, 0o755)
	writeTool(t, bin, "git", "git version 2.39.5")
	if _, err := Resolve(Spec{Path: []string{bin, "/usr/bin", "/bin"}, Tools: []string{"git", "sh"}}); err != nil {
		t.Errorf("Resolve = %v, want nil", err)
	}
}

func mkdir(t *testing.T, dir string, mode os.FileMode) {
	t.Helper()
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	chmod(t, dir, mode)
}

func noMark(t *testing.T, marker string) {
	t.Helper()
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("a planted tool ran: %s exists", marker)
	}
}
