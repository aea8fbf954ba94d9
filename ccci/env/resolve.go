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
	"time"
)

// Env is a resolved Spec: every tool found. Resolve fills Tools and Found
// (and View in strict mode); an Env built by hand works too (LookPath then
// searches Spec.Path, Probe reports tools missing from Tools as errors).
type Env struct {
	Spec  Spec
	Tools map[string]string // tool -> resolved absolute path (its symlink chain followed); what Fingerprint hashes
	Found map[string]string // tool -> path in the declared directory where it was found (dir/tool)

	// View is the strict view's directory (Spec.Strict): one symlink per
	// declared tool, the job's whole PATH. "" when not strict.
	View string

	// ProbeTimeout bounds each version probe; zero means DefaultProbeTimeout.
	ProbeTimeout time.Duration

	stamps map[string]fileStamp // tool -> its resolved file when found (Resolve)
	hashes map[string]string    // tool -> hex SHA-256 of its resolved file (content fingerprint)
	cache  *cache               // the runtime directory's cache, once read
	user   lazyDir              // RuntimeDir/<uid>
}

// MissingError lists every tool not found, and the directories searched.
// Its message is one line per tool, "git-lfs: not found in /a:/b", ready
// to print as is. Undeclared says that the tools are not declared and the
// environment is strict, so that only declared tools can be found.
type MissingError struct {
	Tools      []string
	Dirs       []string
	Undeclared bool
}

func (e *MissingError) Error() string {
	dirs := strings.Join(e.Dirs, ":")
	if dirs == "" {
		dirs = "(no directories)"
	}
	lines := make([]string, len(e.Tools))
	for i, tool := range e.Tools {
		if e.Undeclared {
			lines[i] = tool + ": not in env.tools (env.strict: a job finds only declared tools)"
		} else {
			lines[i] = tool + ": not found in " + dirs
		}
	}
	return strings.Join(lines, "\n")
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
// a directory is an error. Every declared directory and every tool found
// must be one that only root and the invoking user could have put there
// (the rules are in trust.go: owners, write bits, the directories above,
// the directories of each symlink chain); the first that is not is an
// *InsecureError naming the path and why.
//
// With Spec.Fingerprint "content", Resolve hashes every tool file, or
// takes its hash from the cache in Spec.RuntimeDir when the file's device,
// inode, size, mtime and ctime are those recorded. With Spec.Strict it
// makes the view (Env.View) once per fingerprint, and afterwards only
// checks with lstat that it is there and that nobody else could write it.
//
// On the hot path (a warm cache, the view made) Resolve calls stat,
// lstat, readlink and reads the cache file: no processes.
func Resolve(spec Spec) (*Env, error) {
	if err := Validate(spec); err != nil {
		return nil, err
	}
	w := newWalker()
	dirs := make([]dirResult, len(spec.Path))
	for i, dir := range spec.Path {
		dirs[i] = w.declared(dir)
		if err := dirs[i].err; err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, dirError(dir, err)
		}
	}
	e := &Env{
		Spec:   spec,
		Tools:  make(map[string]string, len(spec.Tools)),
		Found:  make(map[string]string, len(spec.Tools)),
		stamps: make(map[string]fileStamp, len(spec.Tools)),
	}
	var missing []string
	for _, tool := range spec.Tools {
		f, err := w.search(spec.Path, dirs, tool)
		if err != nil {
			return nil, err
		}
		if f.fi == nil {
			missing = append(missing, tool)
			continue
		}
		e.Found[tool], e.Tools[tool], e.stamps[tool] = f.path, f.resolved, stampOf(f.fi)
	}
	if missing != nil {
		return nil, &MissingError{Tools: missing, Dirs: slices.Clone(spec.Path)}
	}
	if err := e.prepare(); err != nil {
		return nil, err
	}
	return e, nil
}

// prepare hashes the tools for a content fingerprint and makes the strict
// view, as the Spec asks.
func (e *Env) prepare() error {
	if e.Spec.Fingerprint == FingerprintContent {
		if err := e.hashTools(); err != nil {
			return err
		}
	}
	if e.Spec.Strict {
		view, err := e.makeView()
		if err != nil {
			return err
		}
		e.View = view
	}
	e.saveCache()
	return nil
}

// dirError says what is wrong with a declared directory.
func dirError(dir string, err error) error {
	var ie *InsecureError
	if errors.As(err, &ie) || strings.HasPrefix(err.Error(), "checking directory ") {
		return err
	}
	return fmt.Errorf("checking directory %s: %w", dir, err)
}

// maxLinks bounds a symlink chain, as the kernel's ELOOP does.
const maxLinks = 40

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

// CommandError is a command named by its path (it has a slash) that is
// missing or not an executable file: like a missing tool, the job cannot
// run here (ccci.ExitCode: 3).
type CommandError struct {
	Command string
	Err     error
}

func (e *CommandError) Error() string { return "looking up " + e.Command + ": " + e.Err.Error() }
func (e *CommandError) Unwrap() error { return e.Err }

// LookPath resolves a command the way a job started in e finds it. A name
// without a slash is a declared tool (its path in the declared directory,
// or its link in the view when strict) or, unless strict, the first
// executable regular file of that name in Spec.Path that passes the
// checks Resolve makes; the caller's PATH plays no part. A name with a
// slash is used as is and must be an executable regular file (else a
// *CommandError). The error names the command and the directories
// searched: a *MissingError for a name without a slash (Undeclared when
// strict).
func (e *Env) LookPath(cmd string) (string, error) {
	if cmd == "" {
		return "", errors.New("looking up command: empty name")
	}
	if strings.ContainsRune(cmd, '/') {
		fi, err := os.Stat(cmd)
		if err != nil {
			return "", &CommandError{Command: cmd, Err: err}
		}
		if !executable(fi.Mode()) {
			return "", &CommandError{Command: cmd, Err: fmt.Errorf("not an executable file (mode %v)", fi.Mode())}
		}
		return cmd, nil
	}
	if e.View != "" {
		if _, ok := e.Found[cmd]; ok {
			return filepath.Join(e.View, cmd), nil
		}
		return "", &MissingError{Tools: []string{cmd}, Dirs: []string{e.View}, Undeclared: true}
	}
	if p, ok := e.Found[cmd]; ok {
		return p, nil
	}
	if toolNameProblem(cmd) == "" {
		w := newWalker()
		dirs := make([]dirResult, len(e.Spec.Path))
		for i, dir := range e.Spec.Path {
			if dirs[i] = w.declared(dir); dirs[i].err != nil && !errors.Is(dirs[i].err, fs.ErrNotExist) {
				return "", dirError(dir, dirs[i].err)
			}
		}
		if f, err := w.search(e.Spec.Path, dirs, cmd); err != nil || f.fi != nil {
			return f.path, err
		}
	}
	return "", &MissingError{Tools: []string{cmd}, Dirs: slices.Clone(e.Spec.Path)}
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
