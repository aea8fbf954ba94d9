package env

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// The strict view (Spec.Strict) is a directory holding one symlink per
// declared tool, pointing at the tool's resolved path, as Nix's buildEnv
// makes one: a job whose PATH is that directory alone finds the declared
// tools and nothing else, on every host alike. It lives at
//
//	RuntimeDir/<uid>/e1-<hash>/bin
//
// where e1-<hash> is the e1 fingerprint (":" would split PATH): the same
// declaration resolving to the same paths has the same view, and a
// change makes a new one. It is built aside (RuntimeDir/<uid>/.view-*) and
// renamed into place, so nobody sees half a view. RuntimeDir itself is
// made sticky and writable by all (like /tmp, inside the lock directory,
// which only the cc-ci group can enter), each user's directory 0755.
//
// Before use, the user's directory must be a directory (not a symlink)
// owned by the invoking user and writable by nobody else, or Resolve
// refuses with an *InsecureError; RuntimeDir must be sticky, or owned by
// root or the invoking user and writable by nobody else. A view that is
// not a directory owned by the invoking user and writable by nobody else
// (its e1-<hash> directory and bin) is rebuilt, never used. The lock
// directory above is trusted as it is for the locks.

// ViewError is a strict view that could not be made or used: the
// runtime directory cannot be written, say. It is the host's problem, as a
// missing tool is (exit 3). A view that someone else could have changed
// is an *InsecureError instead, wrapped in it.
type ViewError struct {
	Dir string // the view's directory, or the runtime directory
	Err error
}

func (e *ViewError) Error() string { return "making the strict view " + e.Dir + ": " + e.Err.Error() }

func (e *ViewError) Unwrap() error { return e.Err }

// lazyDir is the user's runtime directory, looked up once.
type lazyDir struct {
	done bool
	dir  string
	err  error
}

// userDir is RuntimeDir/<uid>, made if missing and checked.
func (e *Env) userDir() (string, error) {
	if !e.user.done {
		e.user.dir, e.user.err = makeUserDir(e.Spec.RuntimeDir)
		e.user.done = true
	}
	return e.user.dir, e.user.err
}

func makeUserDir(root string) (string, error) {
	if root == "" {
		return "", errors.New("no runtime directory (sweep.lockdir)")
	}
	if err := makeRuntimeRoot(root); err != nil {
		return "", err
	}
	dir := filepath.Join(root, uidString())
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.Mkdir(dir, 0o755); err == nil {
			_ = os.Chmod(dir, 0o755)
		} else if !errors.Is(err, fs.ErrExist) {
			return "", err
		}
		fi, err = os.Lstat(dir)
	}
	if err != nil {
		return "", err
	}
	if !fi.IsDir() || !OwnedAlone(fi) {
		return "", &InsecureError{Path: dir, Mode: fi.Mode(), Reason: fmt.Sprintf(
			"runtime directory is not a directory that only the invoking user (uid %d) owns and can write", os.Geteuid())}
	}
	return dir, nil
}

// makeRuntimeRoot makes RuntimeDir (and a missing lock directory, 0770 as
// the locks make it) and checks it.
func makeRuntimeRoot(root string) error {
	fi, err := os.Lstat(root)
	if errors.Is(err, fs.ErrNotExist) {
		if parent := filepath.Dir(root); !exists(parent) {
			if err := os.MkdirAll(parent, 0o770); err != nil {
				return err
			}
			_ = os.Chmod(parent, 0o770)
		}
		if err := os.Mkdir(root, 0o777); err == nil {
			_ = os.Chmod(root, 0o777|fs.ModeSticky)
		} else if !errors.Is(err, fs.ErrExist) {
			return err
		}
		fi, err = os.Lstat(root)
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return &InsecureError{Path: root, Mode: fi.Mode(), Reason: "runtime directory is not a directory"}
	}
	if fi.Mode()&fs.ModeSticky != 0 {
		return nil
	}
	return newWalker().check(root, fi, roleFile, "runtime directory")
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// makeView returns the view's bin directory, made or remade if needed.
func (e *Env) makeView() (string, error) {
	udir, err := e.userDir()
	if err != nil {
		var ie *InsecureError
		if errors.As(err, &ie) {
			return "", err
		}
		return "", &ViewError{Dir: e.Spec.RuntimeDir, Err: err}
	}
	name := "e1-" + strings.TrimPrefix(e.fingerprintOf(FingerprintPaths), FingerprintPrefix)
	final := filepath.Join(udir, name)
	if viewIntact(final) {
		return filepath.Join(final, "bin"), nil
	}
	if err := e.buildView(udir, final); err != nil {
		return "", &ViewError{Dir: final, Err: err}
	}
	return filepath.Join(final, "bin"), nil
}

// viewIntact reports whether the view at dir is there and only the
// invoking user's: two lstat calls.
func viewIntact(dir string) bool {
	for _, p := range []string{dir, filepath.Join(dir, "bin")} {
		fi, err := os.Lstat(p)
		if err != nil || !fi.IsDir() || !OwnedAlone(fi) {
			return false
		}
	}
	return true
}

// buildView makes the view aside and renames it to final; one that is
// there but not intact is moved aside first and removed.
func (e *Env) buildView(udir, final string) error {
	tmp, err := os.MkdirTemp(udir, ".view-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // gone once renamed
	bin := filepath.Join(tmp, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		return err
	}
	for tool, resolved := range e.Tools {
		if err := os.Symlink(resolved, filepath.Join(bin, tool)); err != nil {
			return err
		}
	}
	for _, d := range []string{bin, tmp} {
		if err := os.Chmod(d, 0o755); err != nil {
			return err
		}
	}
	if viewIntact(final) { // another process made it meanwhile
		return nil
	}
	if _, err := os.Lstat(final); err == nil { // there, but not to be trusted
		old := tmp + ".old"
		if err := os.Rename(final, old); err != nil {
			return fmt.Errorf("moving aside a view that cannot be trusted: %w", err)
		}
		defer os.RemoveAll(old)
	}
	err = os.Rename(tmp, final)
	if errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, fs.ErrExist) {
		if viewIntact(final) { // another process made it meanwhile
			return nil
		}
	}
	return err
}
