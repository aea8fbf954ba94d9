package env

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Who may have put a tool where Resolve finds it: OpenSSH's StrictModes
// and sudo's secure_path are the model. A tool runs only if nobody but
// root and the invoking user could have put it there:
//
//   - every declared directory, each directory above it up to "/", the
//     tool file at the end of its symlink chain, every directory holding
//     a link of the chain or the file, and every directory above those,
//     is owned by root or the invoking user (effective uid);
//   - none of them is writable by others, and one writable by its group
//     only when that group is root's (0) or the invoking user's own
//     (effective gid);
//   - a sticky directory owned by root (/tmp, /nix/store) is accepted
//     whoever may write it, but only above the directories that hold
//     tools, never as one: there anyone could add a name;
//   - every symlink followed is owned by root or the invoking user.
//
// A walker checks each directory once per Resolve (the verdicts of "/",
// "/usr" and "/usr/bin" serve every tool found there): one lstat per path
// component, as the kernel's own lookup does. Nothing is cached across
// processes, since only a fresh lstat says who owns a path now.

// InsecureError is a path that someone other than root and the invoking
// user could change, so a tool found through it could have been planted.
// Its message is one line, "path: why (mode ...)".
type InsecureError struct {
	Path   string
	Mode   fs.FileMode
	Reason string // "env.path directory writable by others", "tool git owned by uid 65534, ..."
}

func (e *InsecureError) Error() string {
	return fmt.Sprintf("%s: %s (mode %v)", e.Path, e.Reason, e.Mode)
}

// role is what a checked path is to the tool being looked up.
type role int

const (
	roleAbove  role = iota // a directory above one that holds tools: root's sticky directories pass
	roleHolder             // a declared directory, or one holding a link or a tool file
	roleFile               // a tool file, at the end of its chain
	roleLink               // a symlink followed
)

// walker resolves paths component by component, checking each.
type walker struct {
	uid, gid uint32
	dirs     map[string]dirResult // absolute clean path -> where it leads, checked as roleAbove
}

// dirResult is a directory looked up: its physical path (no symlinks) and
// lstat information, or why it cannot be used (a *fs.PathError for one
// that does not exist, an *InsecureError).
type dirResult struct {
	phys string
	fi   fs.FileInfo
	err  error
}

func newWalker() *walker {
	return &walker{uid: uint32(os.Geteuid()), gid: uint32(os.Getegid()), dirs: map[string]dirResult{}}
}

// check applies the rules to one path in a role; subject names what it is
// checked for ("env.path directory /usr/bin", "tool git"). It allocates
// only to say what is wrong.
func (w *walker) check(path string, fi fs.FileInfo, r role, subject string) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil // not a Unix file system: nothing to go by
	}
	mode := fi.Mode()
	insecure := func(format string, args ...any) error {
		what := roleName(r, strings.TrimSuffix(subject, " "+path))
		return &InsecureError{Path: path, Mode: mode, Reason: what + fmt.Sprintf(format, args...)}
	}
	if st.Uid != 0 && st.Uid != w.uid {
		return insecure(" owned by uid %d, neither root nor the invoking user (uid %d)", st.Uid, w.uid)
	}
	if r == roleLink || r == roleAbove && mode&fs.ModeSticky != 0 && st.Uid == 0 {
		return nil
	}
	switch {
	case mode&0o002 != 0 && mode.IsDir() && mode&fs.ModeSticky != 0:
		return insecure(" writable by others (a sticky directory such as /tmp is accepted only above the directories holding tools)")
	case mode&0o002 != 0:
		return insecure(" writable by others")
	case mode&0o020 != 0 && st.Gid != 0 && st.Gid != w.gid:
		return insecure(" writable by group %d, neither root's nor the invoking user's (gid %d)", st.Gid, w.gid)
	}
	return nil
}

func roleName(r role, subject string) string {
	switch r {
	case roleAbove:
		return "directory above " + subject
	case roleHolder:
		if strings.HasPrefix(subject, "env.path") {
			return subject
		}
		return "directory holding " + subject
	case roleLink:
		return "symlink to " + subject
	}
	return subject
}

// dir resolves the directory at the absolute path p, following symlinks
// as the kernel would, checking every directory above it as roleAbove and
// every symlink followed; p itself is left for the caller to check in its
// role. Lookups are kept per path.
func (w *walker) dir(p, subject string) dirResult {
	return w.dirDepth(filepath.Clean(p), subject, 0)
}

func (w *walker) dirDepth(p, subject string, depth int) dirResult {
	if r, ok := w.dirs[p]; ok {
		return r
	}
	r := w.lookupDir(p, subject, depth)
	w.dirs[p] = r
	return r
}

func (w *walker) lookupDir(p, subject string, depth int) dirResult {
	if depth > maxLinks {
		return dirResult{err: &fs.PathError{Op: "resolve", Path: p, Err: syscall.ELOOP}}
	}
	if p == "/" {
		fi, err := os.Lstat(p)
		return dirResult{phys: p, fi: fi, err: err}
	}
	parent := w.dirDepth(filepath.Dir(p), subject, depth)
	if parent.err != nil {
		return parent
	}
	if err := w.check(parent.phys, parent.fi, roleAbove, subject); err != nil {
		return dirResult{err: err}
	}
	phys := filepath.Join(parent.phys, filepath.Base(p))
	fi, err := os.Lstat(phys)
	switch {
	case err != nil:
		return dirResult{err: err}
	case fi.Mode()&fs.ModeSymlink != 0:
		if err := w.check(phys, fi, roleLink, subject); err != nil {
			return dirResult{err: err}
		}
		target, err := os.Readlink(phys)
		if err != nil {
			return dirResult{err: err}
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(parent.phys, target) // parent.phys has no links: ".." is lexical
		}
		return w.dirDepth(filepath.Clean(target), subject, depth+1)
	case !fi.IsDir():
		return dirResult{err: &fs.PathError{Op: "lookup", Path: phys, Err: syscall.ENOTDIR}}
	}
	return dirResult{phys: phys, fi: fi}
}

// declared looks up a declared directory: nil result error with a physical
// path, a *fs.PathError matching fs.ErrNotExist when it (or a directory on
// the way) does not exist, or why it cannot be used.
func (w *walker) declared(dir string) dirResult {
	subject := "env.path directory " + dir
	r := w.dir(dir, subject)
	if r.err != nil {
		if errors.Is(r.err, syscall.ENOTDIR) {
			// A file on the way: like a missing directory, but a file
			// declared as the directory itself is a mistake to report.
			if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
				return dirResult{err: fmt.Errorf("checking directory %s: not a directory (mode %v)", dir, fi.Mode())}
			}
			return dirResult{err: &fs.PathError{Op: "lookup", Path: dir, Err: fs.ErrNotExist}}
		}
		return r
	}
	r.err = w.check(r.phys, r.fi, roleHolder, subject)
	return r
}

// found is a tool found: where (in the declared directory), the path its
// symlink chain ends at (symlinked directories above kept as written, see
// Resolve), and that file's lstat information.
type found struct {
	path, resolved string
	fi             fs.FileInfo
}

// search finds tool in the declared directories (dirs[i] is declared
// directory names[i] looked up with w.declared): the first executable
// regular file of that name, its chain checked. A tool in none of them
// gives a zero found and nil; a check that fails, an error.
func (w *walker) search(names []string, dirs []dirResult, tool string) (found, error) {
	for i, d := range dirs {
		if d.err != nil {
			continue // missing: skipped (Resolve reported the others)
		}
		f, err := w.follow(filepath.Join(names[i], tool), d, tool)
		if err != nil {
			return found{}, err
		}
		if f.fi != nil {
			return f, nil
		}
	}
	return found{}, nil
}

// follow follows the symlink chain of tool at p (whose directory is d,
// already checked as a holder) to its file, checking every link, the
// directories holding them and the file. It returns a zero found when the
// chain ends nowhere or not at an executable regular file, as the kernel's
// PATH search would skip it.
//
// The resolved path is the one the Resolve doc describes: an absolute link
// target, or a relative one without "..", joined lexically to the path so
// far; a relative target that climbs with ".." joined to its directory's
// physical path. The checks use physical paths throughout.
func (w *walker) follow(p string, d dirResult, tool string) (found, error) {
	subject := "tool " + tool
	logical, physDir, name := p, d.phys, filepath.Base(p)
	for range maxLinks {
		phys := filepath.Join(physDir, name)
		fi, err := os.Lstat(phys)
		if err != nil {
			return found{}, nil
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			if !executable(fi.Mode()) {
				return found{}, nil
			}
			if err := w.check(phys, fi, roleFile, subject); err != nil {
				return found{}, err
			}
			return found{path: p, resolved: logical, fi: fi}, nil
		}
		if err := w.check(phys, fi, roleLink, subject); err != nil {
			return found{}, err
		}
		target, err := os.Readlink(phys)
		if err != nil {
			return found{}, nil
		}
		physTarget := target
		switch {
		case filepath.IsAbs(target):
			logical = target
		case climbs(target):
			logical = filepath.Join(physDir, target)
			physTarget = filepath.Join(physDir, target)
		default:
			logical = filepath.Join(filepath.Dir(logical), target)
			physTarget = filepath.Join(physDir, target)
		}
		next := w.dir(filepath.Dir(physTarget), subject)
		if errors.Is(next.err, fs.ErrNotExist) || errors.Is(next.err, syscall.ENOTDIR) {
			return found{}, nil // a dangling link
		}
		if next.err == nil {
			next.err = w.check(next.phys, next.fi, roleHolder, subject)
		}
		if next.err != nil {
			return found{}, next.err
		}
		physDir, name = next.phys, filepath.Base(physTarget)
	}
	return found{}, nil // a loop: ELOOP to the kernel, not found to us
}

// uidString is the effective uid as a path element.
func uidString() string { return strconv.Itoa(os.Geteuid()) }
