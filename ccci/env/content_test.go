package env

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestContentFingerprintFormat(t *testing.T) {
	dir := mkdirs(t, "bin")[0]
	git := writeTool(t, dir, "git", "git version 2.39.5")
	e, err := Resolve(Spec{Path: []string{dir}, Tools: []string{"git"}, Fingerprint: FingerprintContent, Strict: false})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(git)
	sum := sha256.Sum256(data)
	lines := "dir 0 " + dir + "\n" +
		"sha256 git " + hex.EncodeToString(sum[:]) + "\n" +
		"tool git " + git + "\n"
	h := sha256.Sum256([]byte(lines))
	if got, want := e.Fingerprint(), "e2:"+base64.RawURLEncoding.EncodeToString(h[:]); got != want {
		t.Errorf("Fingerprint() = %q, want %q (lines:\n%s)", got, want, lines)
	}
	if got, want := strings.Join(e.FingerprintLines(), "\n")+"\n", lines; got != want {
		t.Errorf("FingerprintLines() = %q, want %q", got, want)
	}
	// By hand, without Resolve: hashed when asked.
	byHand := &Env{Spec: e.Spec, Tools: e.Tools}
	if got := byHand.Fingerprint(); got != e.Fingerprint() {
		t.Errorf("Fingerprint of an Env built by hand = %q, want %q", got, e.Fingerprint())
	}
	byHand.Tools = map[string]string{"git": filepath.Join(dir, "gone")}
	if lines := byHand.FingerprintLines(); !strings.Contains(strings.Join(lines, "\n"), "sha256 git -") {
		t.Errorf("FingerprintLines of an unreadable tool = %q, want a line sha256 git -", lines)
	}
	// Strict mode is part of either format.
	strict := &Env{Spec: Spec{Path: []string{dir}, Strict: true}, Tools: e.Tools}
	if lines := strict.fingerprintLines(FingerprintPaths); lines[len(lines)-2] != "strict" {
		t.Errorf("lines of a strict Env = %q, want a line strict", lines)
	}
}

// contentSpec declares two tools in root/bin with a cache in root/lock/env.
func contentSpec(root string) Spec {
	return Spec{Path: []string{filepath.Join(root, "bin")}, Tools: []string{"git", "jq"},
		Fingerprint: FingerprintContent, RuntimeDir: filepath.Join(root, "lock", "env")}
}

// e1e2 resolves spec and returns its paths and content fingerprints.
func e1e2(t *testing.T, spec Spec) (e1, e2 string) {
	t.Helper()
	e, err := Resolve(spec)
	if err != nil {
		t.Fatal(err)
	}
	return e.fingerprintOf(FingerprintPaths), e.Fingerprint()
}

// TestContentOneByte: a byte changed in place (same path, same inode,
// same size) changes e2 and not e1, also with a warm cache.
func TestContentOneByte(t *testing.T) {
	settleNow(t)
	root := t.TempDir()
	spec := contentSpec(root)
	mkdir(t, spec.Path[0], 0o755)
	git := writeTool(t, spec.Path[0], "git", "git version 2.39.5")
	writeTool(t, spec.Path[0], "jq", "jq-1.6")
	e1, e2 := e1e2(t, spec)
	if again1, again2 := e1e2(t, spec); again1 != e1 || again2 != e2 { // from the cache now
		t.Fatalf("fingerprints from the cache %s %s, want %s %s", again1, again2, e1, e2)
	}
	before, _ := os.Lstat(git)
	nextTick(t, git)
	f, err := os.OpenFile(git, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("6"), int64(len("#!/bin/sh\necho 'git version 2.39."))); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if after, _ := os.Lstat(git); !os.SameFile(before, after) || after.Size() != before.Size() {
		t.Fatal("the change was not in place")
	}
	c1, c2 := e1e2(t, spec)
	if c1 != e1 {
		t.Errorf("e1 after a byte changed = %s, want %s as before", c1, e1)
	}
	if c2 == e2 {
		t.Errorf("e2 after a byte changed = %s, the same as before", c2)
	}
}

// TestContentSameBytesOtherInodes: two trees at the same path, one after
// the other, whose tools have the same contents in other inodes: equal
// e2; a different byte: different e2.
func TestContentSameBytesOtherInodes(t *testing.T) {
	settleNow(t)
	root := t.TempDir()
	spec := contentSpec(root)
	bin := spec.Path[0]
	n := 0
	tree := func(gitVersion string) (e1, e2 string, fi os.FileInfo) {
		t.Helper()
		if _, err := os.Lstat(bin); err == nil { // moved aside, so its inodes stay taken
			n++
			if err := os.Rename(bin, bin+strconv.Itoa(n)); err != nil {
				t.Fatal(err)
			}
		}
		mkdir(t, bin, 0o755)
		writeTool(t, bin, "jq", "jq-1.6")
		git := writeTool(t, bin, "git", "git version "+gitVersion)
		fi, _ = os.Lstat(git)
		e1, e2 = e1e2(t, spec)
		return e1, e2, fi
	}
	a1, a2, afi := tree("2.39.5")
	b1, b2, bfi := tree("2.39.5")
	if os.SameFile(afi, bfi) {
		t.Fatal("the second tree has the first one's git")
	}
	if a1 != b1 || a2 != b2 {
		t.Errorf("same paths and contents in other inodes: %s %s then %s %s, want equal", a1, a2, b1, b2)
	}
	_, c2, _ := tree("2.39.6")
	if c2 == a2 {
		t.Errorf("another content gave the same e2 %s", c2)
	}
}

// TestContentCache: the cache is used when the file's stamp matches it
// and the cache file is the user's alone; a corrupt cache, or one that
// someone else could write or owns, is ignored and rewritten.
func TestContentCache(t *testing.T) {
	settleNow(t)
	root := publicDir(t)
	spec := contentSpec(root)
	mkdir(t, spec.Path[0], 0o755)
	git := writeTool(t, spec.Path[0], "git", "git version 2.39.5")
	writeTool(t, spec.Path[0], "jq", "jq-1.6")
	_, want := e1e2(t, spec)
	cacheFile := filepath.Join(spec.RuntimeDir, strconv.Itoa(os.Geteuid()), "cache")
	data, err := os.ReadFile(cacheFile)
	if err != nil || !strings.HasPrefix(string(data), cacheHeader+"\nsha256\t") || strings.Count(string(data), "\n") != 3 {
		t.Fatalf("cache after Resolve: %q, %v; want the header and two sha256 lines", data, err)
	}
	// A trusted entry is believed: the proof that a warm Resolve reads no tool.
	sum := sha256.Sum256([]byte("#!/bin/sh\necho 'git version 2.39.5'\n"))
	real := hex.EncodeToString(sum[:])
	fake := strings.Repeat("0", 64)
	forged := strings.Replace(string(data), real, fake, 1)
	if forged == string(data) {
		t.Fatalf("cache %q lacks git's hash %s", data, real)
	}
	write := func(content string, mode os.FileMode) {
		t.Helper()
		if err := os.WriteFile(cacheFile, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		chmod(t, cacheFile, mode)
	}
	write(forged, 0o644)
	if _, got := e1e2(t, spec); got == want {
		t.Fatal("a trusted cache entry was not used")
	}
	// Not trusted: ignored, and rewritten with the truth.
	wantRewritten := func(how string) {
		t.Helper()
		if _, got := e1e2(t, spec); got != want {
			t.Errorf("%s: e2 = %s, want %s: the cache was trusted", how, got, want)
		}
		fi, err := os.Lstat(cacheFile)
		data, _ := os.ReadFile(cacheFile)
		if err != nil || !OwnedAlone(fi) || !strings.Contains(string(data), real) || strings.Contains(string(data), fake) {
			t.Errorf("%s: cache %v %q, %v; want it rewritten, the user's alone", how, fi.Mode(), data, err)
		}
	}
	write(forged, 0o666)
	if os.Geteuid() == 0 {
		chmod(t, filepath.Dir(spec.RuntimeDir), 0o755)
		asNobody(t, "echo >> "+cacheFile) // it can, so the cache is worth nothing
	}
	wantRewritten("a cache writable by others")
	write(forged, 0o664)
	wantRewritten("a cache writable by its group")
	for _, bad := range []string{"", "cc-ci env cache 2\n", cacheHeader + "\nsha256\t1\t2\n", cacheHeader + "\nsha256\tx\t2\t3\t4\t5\t" + git + "\t\t" + fake + "\n",
		cacheHeader + "\nsha256\t1\t2\t3\t4\t5\t" + git + "\\q\t\t" + fake + "\n", "\x00\xff"} {
		write(bad, 0o644)
		wantRewritten("a corrupt cache " + strconv.Quote(bad))
	}
	if os.Geteuid() == 0 {
		write(forged, 0o644)
		if err := os.Chown(cacheFile, nobody, nobody); err != nil {
			t.Fatal(err)
		}
		wantRewritten("a cache owned by nobody")
		if err := os.Remove(cacheFile); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join(root, "elsewhere"), cacheFile); err != nil {
			t.Fatal(err)
		}
		wantRewritten("a cache that is a symlink")
	}
}

// TestContentUnreadable: a tool that cannot be hashed is an error naming it.
func TestContentUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads any file")
	}
	root := t.TempDir()
	spec := contentSpec(root)
	spec.Tools = []string{"git"}
	mkdir(t, spec.Path[0], 0o755)
	git := writeTool(t, spec.Path[0], "git", "git")
	chmod(t, git, 0o311)
	if _, err := Resolve(spec); err == nil || !strings.Contains(err.Error(), "hashing tool git") || !errors.Is(err, os.ErrPermission) {
		t.Errorf("Resolve with an unreadable tool = %v, want an error hashing it", err)
	}
}

// TestContentTwoMountNamespaces: the same tree contents bind-mounted at the
// same path in two mount namespaces (two hosts, as far as paths go) give
// the same e2; this test binary is run in each namespace.
func TestContentTwoMountNamespaces(t *testing.T) {
	if dir := os.Getenv("CCCI_TEST_E2_ROOT"); dir != "" { // the child, in its namespace
		_, e2 := e1e2(t, contentSpec(dir))
		os.Stdout.WriteString("E2=" + e2 + "\n")
		return
	}
	needRoot(t)
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("no unshare (util-linux)")
	}
	root := t.TempDir()
	at := filepath.Join(root, "host") // the path both "hosts" use
	mkdir(t, at, 0o755)
	var got []string
	for _, tree := range []string{"a", "b"} {
		bin := filepath.Join(root, tree, "bin")
		if err := os.MkdirAll(bin, 0o755); err != nil {
			t.Fatal(err)
		}
		writeTool(t, bin, "git", "git version 2.39.5")
		writeTool(t, bin, "jq", "jq-1.6")
		script := "mount --bind " + filepath.Join(root, tree) + " " + at + " && exec " + os.Args[0] +
			" -test.run=^TestContentTwoMountNamespaces$ -test.count=1"
		cmd := exec.Command(unshare, "-m", "--propagation", "private", "/bin/sh", "-c", script)
		cmd.Env = append(os.Environ(), "CCCI_TEST_E2_ROOT="+at)
		out, err := cmd.CombinedOutput()
		if err != nil && strings.Contains(string(out), "unshare failed") {
			t.Skipf("no mount namespaces here: %s", out)
		}
		if err != nil {
			t.Fatalf("in a mount namespace: %v\n%s", err, out)
		}
		_, e2, ok := strings.Cut(string(out), "E2=")
		if !ok {
			t.Fatalf("no E2= in %q", out)
		}
		got = append(got, strings.Fields(e2)[0])
	}
	if got[0] != got[1] {
		t.Errorf("e2 in two mount namespaces with equal trees = %q, want equal", got)
	}
}

// TestContentRacy: a file changed less than racyWindow before it was read
// is not recorded: a second change within the same clock tick would keep
// its stamp, and the cache would vouch for the old bytes.
func TestContentRacy(t *testing.T) {
	old := racyWindow
	racyWindow = time.Hour // however slow the machine, the files are younger
	t.Cleanup(func() { racyWindow = old })
	root := t.TempDir()
	spec := contentSpec(root)
	mkdir(t, spec.Path[0], 0o755)
	writeTool(t, spec.Path[0], "git", "git version 2.39.5")
	writeTool(t, spec.Path[0], "jq", "jq-1.6")
	e1e2(t, spec)
	cacheFile := filepath.Join(spec.RuntimeDir, strconv.Itoa(os.Geteuid()), "cache")
	if data, err := os.ReadFile(cacheFile); err == nil && strings.Contains(string(data), "sha256") {
		t.Errorf("cache %q records files written just now", data)
	}
}
