package env

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	version "github.com/hashicorp/go-version"
)

// Spec is the declared runtime environment, as written in the config
// file's [env] section. The zero Spec declares nothing; Validate refuses it
// because it has no directories.
type Spec struct {
	Path         []string          // absolute directories, searched in order
	Tools        []string          // commands that must resolve in Path
	Vars         map[string]string // set in the environment; a declared var wins over a passed one
	Pass         []string          // names (path.Match globs like DRONE_*) copied from the caller
	Require      map[string]string // tool -> go-version constraint (">= 3.0"), checked by Probe and CheckRequire
	VersionFlags map[string]string // tool -> argument(s) that print its version (default: KnownVersionFlags, else --version)

	// Strict makes a job's PATH one directory holding a symlink per
	// declared tool (the view, see Env.View), so that nothing undeclared
	// is found. It needs RuntimeDir.
	Strict bool

	// Fingerprint is the fingerprint's format: FingerprintPaths ("" too)
	// or FingerprintContent. See Env.Fingerprint.
	Fingerprint string

	// RuntimeDir holds what Resolve keeps between runs: the strict views
	// and the cache of tool hashes and versions, under a directory per
	// user (RuntimeDir/<uid>). The config loader sets it to
	// <lockdir>/env; it is not a key of [env], and no fingerprint covers
	// it. "" means no views (Strict is then an error) and no cache.
	RuntimeDir string

	// Secrets names variables (declared or passed) whose values must
	// never be published: the status board masks them in logs and notes.
	// They play no part in a job's environment or the fingerprint.
	Secrets []string
}

// SecretValues returns the values the secret variables have in a job's
// environment built from caller: declared ones and passed ones, longest
// first (so a value that holds another is masked whole), without empty
// ones.
func (s Spec) SecretValues(caller []string) []string {
	e := &Env{Spec: s}
	values := map[string]string{}
	for _, kv := range caller {
		name, value, ok := strings.Cut(kv, "=")
		if ok && slices.Contains(s.Secrets, name) && e.passes(name) {
			values[name] = value
		}
	}
	for name, value := range s.Vars {
		if slices.Contains(s.Secrets, name) {
			values[name] = value // a declared var wins, as in Environ
		}
	}
	var out []string
	for _, v := range values {
		if v != "" {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// Fingerprint formats (Spec.Fingerprint).
const (
	FingerprintPaths   = "paths"   // e1: directories, resolved paths, vars, pass globs
	FingerprintContent = "content" // e2: e1 and the SHA-256 of every resolved tool file
)

// SpecError is one problem with a Spec. Key names the offending entry the
// way the config file spells it ("path[1]", "vars.PATH", "pass[0]",
// "require.git-lfs"), so a config loader can prefix it with file:line.
type SpecError struct {
	Key    string
	Value  string
	Reason string
}

func (e *SpecError) Error() string {
	if e.Value == "" {
		return "env." + e.Key + ": " + e.Reason
	}
	return fmt.Sprintf("env.%s %q: %s", e.Key, e.Value, e.Reason)
}

// Validate checks a Spec without touching the file system:
//
//   - directories are absolute, hold no NUL, newline or ':', and are listed once;
//   - tool names are plain names (no slash, space or control character), listed once;
//   - variable names are shell names, never PATH, and values hold no NUL;
//   - pass globs are well-formed and cannot match PATH;
//   - Require and VersionFlags name declared tools, constraints parse, and
//     version flags are not empty (NoProbe, "-", skips a tool, which then
//     cannot have a Require);
//   - Fingerprint is "", "paths" or "content"; RuntimeDir, when set, is
//     absolute and holds no ':' (it becomes part of PATH in strict mode).
//
// It takes time linear in the size of the Spec.
//
// Every problem is a *SpecError; several come back joined (errors.Join),
// so a config loader can put each at its own file:line. Resolve calls it.
func Validate(spec Spec) error {
	var v validator
	v.path(spec)
	v.tools(spec)
	v.vars(spec)
	v.pass(spec)
	v.toolMaps(spec)
	v.secrets(spec)
	v.modes(spec)
	return errors.Join(v.errs...)
}

func (v *validator) secrets(spec Spec) {
	for i, name := range spec.Secrets {
		if !isShellName(name) {
			v.add(indexKey("secrets", i), name, "not a variable name ([A-Za-z_][A-Za-z0-9_]*)")
		}
	}
}

// validator collects a Spec's problems.
type validator struct{ errs []error }

func (v *validator) add(key, value, reason string) {
	v.errs = append(v.errs, &SpecError{Key: key, Value: value, Reason: reason})
}

func (v *validator) path(spec Spec) {
	if len(spec.Path) == 0 {
		v.add("path", "", "no directories declared")
	}
	seen := make(map[string]bool, len(spec.Path))
	for i, dir := range spec.Path {
		twice := seen[dir]
		seen[dir] = true
		switch {
		case dir == "":
			v.add(indexKey("path", i), dir, "empty directory")
		case !filepath.IsAbs(dir):
			v.add(indexKey("path", i), dir, "directory is not absolute")
		case strings.ContainsAny(dir, "\x00\n:"):
			v.add(indexKey("path", i), dir, "directory contains NUL, newline or ':'")
		case twice:
			v.add(indexKey("path", i), dir, "directory listed twice")
		}
	}
}

func (v *validator) tools(spec Spec) {
	seen := make(map[string]bool, len(spec.Tools))
	for i, tool := range spec.Tools {
		reason := toolNameProblem(tool)
		if reason == "" && seen[tool] {
			reason = "tool listed twice"
		}
		seen[tool] = true
		if reason != "" {
			v.add(indexKey("tools", i), tool, reason)
		}
	}
}

// toolNameProblem says what is wrong with a tool name, or "".
func toolNameProblem(tool string) string {
	switch {
	case tool == "":
		return "empty tool name"
	case tool == "." || tool == "..":
		return "not a command name"
	case strings.ContainsRune(tool, '/'):
		return "tool name contains a slash (declare its directory in path instead)"
	case strings.ContainsFunc(tool, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return "tool name contains a space or control character"
	}
	return ""
}

func (v *validator) vars(spec Spec) {
	for _, name := range sortedKeys(spec.Vars) {
		key := "vars." + name
		switch {
		case name == "PATH":
			v.add(key, spec.Vars[name], "PATH is built from env.path and cannot be declared")
		case !isShellName(name):
			v.add(key, name, "not a variable name ([A-Za-z_][A-Za-z0-9_]*)")
		case strings.ContainsRune(spec.Vars[name], 0):
			v.add(key, spec.Vars[name], "value contains NUL")
		}
	}
}

func (v *validator) pass(spec Spec) {
	for i, glob := range spec.Pass {
		if glob == "" || strings.ContainsAny(glob, "=\x00") {
			v.add(indexKey("pass", i), glob, "not a variable name or glob")
			continue
		}
		match, err := path.Match(glob, "PATH")
		switch {
		case err != nil:
			v.add(indexKey("pass", i), glob, "malformed glob")
		case match:
			v.add(indexKey("pass", i), glob, "matches PATH, which is built from env.path and cannot be passed")
		}
	}
}

func (v *validator) toolMaps(spec Spec) {
	declared := toolSet(spec.Tools)
	for _, tool := range sortedKeys(spec.Require) {
		key := "require." + tool
		if !declared[tool] {
			v.add(key, spec.Require[tool], "tool not in env.tools")
		} else if _, err := version.NewConstraint(spec.Require[tool]); err != nil {
			v.add(key, spec.Require[tool], "malformed version constraint")
		}
	}
	for _, tool := range sortedKeys(spec.VersionFlags) {
		flag := spec.VersionFlags[tool]
		switch {
		case !declared[tool]:
			v.add("version_flags."+tool, flag, "tool not in env.tools")
		case strings.TrimSpace(flag) == "":
			v.add("version_flags."+tool, flag, `empty version flag (write "-" to not probe the tool)`)
		case flag == NoProbe && spec.Require[tool] != "":
			v.add("version_flags."+tool, flag, "a tool that is not probed cannot have a version requirement")
		}
	}
	for _, tool := range sortedKeys(spec.Require) {
		if _, explicit := spec.VersionFlags[tool]; !explicit && declared[tool] && KnownVersionFlags[tool] == NoProbe {
			v.add("require."+tool, spec.Require[tool],
				"the tool has no version flag that cc-ci knows: set version_flags."+tool)
		}
	}
}

func (v *validator) modes(spec Spec) {
	switch spec.Fingerprint {
	case "", FingerprintPaths, FingerprintContent:
	default:
		v.add("fingerprint", spec.Fingerprint, `not "paths" or "content"`)
	}
	dir := spec.RuntimeDir
	switch {
	case dir != "" && !filepath.IsAbs(dir):
		v.add("strict", dir, "the runtime directory (<lockdir>/env) is not absolute")
	case !spec.Strict:
	case dir == "":
		v.add("strict", "", "strict mode needs a runtime directory for its view (sweep.lockdir)")
	case strings.ContainsAny(dir, "\x00\n:"):
		v.add("strict", dir, "the view's directory would be on PATH, and sweep.lockdir holds NUL, newline or ':'")
	}
}

// toolSet is the set of the names (tools, directories), for lookups in
// time independent of their number.
func toolSet(tools []string) map[string]bool {
	set := make(map[string]bool, len(tools))
	for _, t := range tools {
		set[t] = true
	}
	return set
}

// isShellName reports whether s is a POSIX shell variable name.
func isShellName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		letter := r == '_' || ('A' <= r && r <= 'Z') || ('a' <= r && r <= 'z')
		if !letter && (i == 0 || r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// indexKey names a list entry: "path[1]".
func indexKey(list string, i int) string { return list + "[" + strconv.Itoa(i) + "]" }
