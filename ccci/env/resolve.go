package env

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Env is a resolved Spec: every tool found. Resolve fills Tools and Found;
// an Env built by hand works too (LookPath then searches Spec.Path, Probe
// reports tools missing from Tools as errors).
type Env struct {
	Spec  Spec
	Tools map[string]string // tool -> resolved absolute path (its symlink chain followed); what Fingerprint hashes
	Found map[string]string // tool -> path in the declared directory where it was found (dir/tool); what LookPath returns

	// ProbeTimeout bounds each version probe; zero means DefaultProbeTimeout.
	ProbeTimeout time.Duration
}

// MissingError lists every tool not found, and the directories searched.
// Its message is one line per tool, "git-lfs: not found in /a:/b", ready
// to print as is.
type MissingError struct {
	Tools []string
	Dirs  []string
}

func (e *MissingError) Error() string {
	dirs := strings.Join(e.Dirs, ":")
	if dirs == "" {
		dirs = "(no directories)"
	}
	lines := make([]string, len(e.Tools))
	for i, tool := range e.Tools {
		lines[i] = tool + ": not found in " + dirs
	}
	return strings.Join(lines, "\n")
}

// InsecureError is a directory on the declared path, or a resolved tool,
// that users other than its owner and group can write (a directory with
// the sticky bit, like /tmp, is accepted), as sudo's secure_path refuses.
type InsecureError struct {
	Path string
	Mode fs.FileMode
}

func (e *InsecureError) Error() string {
	what := "file"
	if e.Mode.IsDir() {
		what = "directory"
	}
	return fmt.Sprintf("%s: %s writable by others (mode %v)", e.Path, what, e.Mode)
}

// Resolve validates spec (see Validate) and looks every tool up in
// spec.Path, in order: the first executable regular file named like the
// tool (symlinks followed) wins. All missing tools come back in one
// *MissingError.
//
// The resolved path (Env.Tools) is where the tool's own symlink chain ends:
// a Nix profile's bin/git gives /nix/store/...-git/bin/git. Symlinked
// directories above it stay as written, unless a relative link climbs out
// of them with "..".
//
// A declared directory that does not exist is skipped; a file declared as
// a directory is an error. A directory that others can write and is not
// sticky is refused with an *InsecureError, as is a resolved tool that
// others can write.
//
// Resolve only calls stat, lstat and readlink: no hashing, no processes.
func Resolve(spec Spec) (*Env, error) {
	if err := Validate(spec); err != nil {
		return nil, err
	}
	if err := checkDirs(spec.Path); err != nil {
		return nil, err
	}
	e := &Env{
		Spec:  spec,
		Tools: make(map[string]string, len(spec.Tools)),
		Found: make(map[string]string, len(spec.Tools)),
	}
	var missing []string
	for _, tool := range spec.Tools {
		found, resolved, err := search(spec.Path, tool)
		if err != nil {
			return nil, err
		}
		if found == "" {
			missing = append(missing, tool)
			continue
		}
		e.Found[tool], e.Tools[tool] = found, resolved
	}
	if missing != nil {
		return nil, &MissingError{Tools: missing, Dirs: slices.Clone(spec.Path)}
	}
	return e, nil
}

// checkDirs refuses declared directories that others can write.
func checkDirs(dirs []string) error {
	for _, dir := range dirs {
		fi, err := os.Stat(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("checking directory %s: %w", dir, err)
		}
		if !fi.IsDir() {
			return fmt.Errorf("checking directory %s: not a directory (mode %v)", dir, fi.Mode())
		}
		if insecure(fi.Mode()) {
			return &InsecureError{Path: dir, Mode: fi.Mode()}
		}
	}
	return nil
}

// insecure reports whether others can write a file or a non-sticky directory.
func insecure(mode fs.FileMode) bool {
	return mode.Perm()&0o002 != 0 && (!mode.IsDir() || mode&fs.ModeSticky == 0)
}

// search finds tool in dirs: the path where it was found and the path it
// resolves to, or "" when it is in none of them.
func search(dirs []string, tool string) (found, resolved string, err error) {
	for _, dir := range dirs {
		p := filepath.Join(dir, tool)
		resolved, fi, err := follow(p)
		if err != nil || !executable(fi.Mode()) {
			continue
		}
		if insecure(fi.Mode()) {
			return "", "", &InsecureError{Path: p, Mode: fi.Mode()}
		}
		return p, resolved, nil
	}
	return "", "", nil
}

// maxLinks bounds a symlink chain, as the kernel's ELOOP does.
const maxLinks = 40

// follow follows p's own symlink chain (not those of the directories
// above it) to the file it ends at, and returns that file's path and
// information. An absolute link target, or a relative one without "..",
// is joined lexically; a relative target that climbs with ".." is joined
// to its physically resolved directory, as the kernel would. A Nix
// profile entry costs lstat, readlink, lstat; a plain file one lstat.
func follow(p string) (string, fs.FileInfo, error) {
	for range maxLinks {
		fi, err := os.Lstat(p)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			return p, fi, err
		}
		target, err := os.Readlink(p)
		if err != nil {
			return "", nil, err
		}
		if !filepath.IsAbs(target) {
			dir := filepath.Dir(p)
			if climbs(target) {
				if dir, err = filepath.EvalSymlinks(dir); err != nil {
					return "", nil, err
				}
			}
			target = filepath.Join(dir, target)
		}
		p = target
	}
	return "", nil, &fs.PathError{Op: "resolve", Path: p, Err: syscall.ELOOP}
}

// climbs reports whether a relative link target has a ".." element.
func climbs(target string) bool {
	for elem := range strings.SplitSeq(target, "/") {
		if elem == ".." {
			return true
		}
	}
	return false
}

// executable reports whether mode is a regular file with an execute bit.
func executable(mode fs.FileMode) bool {
	return mode.IsRegular() && mode.Perm()&0o111 != 0
}

// LookPath resolves a command the way a job started in e finds it. A name
// without a slash is a declared tool (its path in the declared directory)
// or else the first executable regular file of that name in Spec.Path;
// the caller's PATH plays no part. A name with a slash is used as is and
// must be an executable regular file. The error names the command and the
// directories searched: a *MissingError for a name without a slash.
func (e *Env) LookPath(cmd string) (string, error) {
	if cmd == "" {
		return "", errors.New("looking up command: empty name")
	}
	if strings.ContainsRune(cmd, '/') {
		fi, err := os.Stat(cmd)
		if err != nil {
			return "", fmt.Errorf("looking up %s: %w", cmd, err)
		}
		if !executable(fi.Mode()) {
			return "", fmt.Errorf("looking up %s: not an executable file (mode %v)", cmd, fi.Mode())
		}
		return cmd, nil
	}
	if p, ok := e.Found[cmd]; ok {
		return p, nil
	}
	if toolNameProblem(cmd) == "" {
		if found, _, err := search(e.Spec.Path, cmd); err != nil || found != "" {
			return found, err
		}
	}
	return "", &MissingError{Tools: []string{cmd}, Dirs: slices.Clone(e.Spec.Path)}
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
