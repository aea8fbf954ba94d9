package env

import (
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
	Require      map[string]string // tool -> go-version constraint (">= 3.0"), checked by Probe
	VersionFlags map[string]string // tool -> argument(s) that print its version (default --version)
}

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
//     cannot have a Require).
//
// It returns the first problem found, as a *SpecError. Resolve calls it.
func Validate(spec Spec) error {
	for _, check := range []func(Spec) error{validatePath, validateTools, validateVars, validatePass, validateToolMaps} {
		if err := check(spec); err != nil {
			return err
		}
	}
	return nil
}

func validatePath(spec Spec) error {
	if len(spec.Path) == 0 {
		return &SpecError{Key: "path", Reason: "no directories declared"}
	}
	for i, dir := range spec.Path {
		reason := ""
		switch {
		case dir == "":
			reason = "empty directory"
		case !filepath.IsAbs(dir):
			reason = "directory is not absolute"
		case strings.ContainsAny(dir, "\x00\n:"):
			reason = "directory contains NUL, newline or ':'"
		case slices.Contains(spec.Path[:i], dir):
			reason = "directory listed twice"
		}
		if reason != "" {
			return &SpecError{Key: indexKey("path", i), Value: dir, Reason: reason}
		}
	}
	return nil
}

func validateTools(spec Spec) error {
	for i, tool := range spec.Tools {
		reason := toolNameProblem(tool)
		if reason == "" && slices.Contains(spec.Tools[:i], tool) {
			reason = "tool listed twice"
		}
		if reason != "" {
			return &SpecError{Key: indexKey("tools", i), Value: tool, Reason: reason}
		}
	}
	return nil
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

func validateVars(spec Spec) error {
	for _, name := range sortedKeys(spec.Vars) {
		key := "vars." + name
		switch {
		case name == "PATH":
			return &SpecError{Key: key, Value: spec.Vars[name], Reason: "PATH is built from env.path and cannot be declared"}
		case !isShellName(name):
			return &SpecError{Key: key, Value: name, Reason: "not a variable name ([A-Za-z_][A-Za-z0-9_]*)"}
		case strings.ContainsRune(spec.Vars[name], 0):
			return &SpecError{Key: key, Value: spec.Vars[name], Reason: "value contains NUL"}
		}
	}
	return nil
}

func validatePass(spec Spec) error {
	for i, glob := range spec.Pass {
		if glob == "" || strings.ContainsAny(glob, "=\x00") {
			return &SpecError{Key: indexKey("pass", i), Value: glob, Reason: "not a variable name or glob"}
		}
		match, err := path.Match(glob, "PATH")
		if err != nil {
			return &SpecError{Key: indexKey("pass", i), Value: glob, Reason: "malformed glob"}
		}
		if match {
			return &SpecError{Key: indexKey("pass", i), Value: glob, Reason: "matches PATH, which is built from env.path and cannot be passed"}
		}
	}
	return nil
}

func validateToolMaps(spec Spec) error {
	declared := make(map[string]bool, len(spec.Tools))
	for _, tool := range spec.Tools {
		declared[tool] = true
	}
	for _, tool := range sortedKeys(spec.Require) {
		key := "require." + tool
		if !declared[tool] {
			return &SpecError{Key: key, Value: spec.Require[tool], Reason: "tool not in env.tools"}
		}
		if _, err := version.NewConstraint(spec.Require[tool]); err != nil {
			return &SpecError{Key: key, Value: spec.Require[tool], Reason: "malformed version constraint"}
		}
	}
	for _, tool := range sortedKeys(spec.VersionFlags) {
		flag, reason := spec.VersionFlags[tool], ""
		switch {
		case !declared[tool]:
			reason = "tool not in env.tools"
		case strings.TrimSpace(flag) == "":
			reason = `empty version flag (write "-" to not probe the tool)`
		case flag == NoProbe && spec.Require[tool] != "":
			reason = "a tool that is not probed cannot have a version requirement"
		}
		if reason != "" {
			return &SpecError{Key: "version_flags." + tool, Value: flag, Reason: reason}
		}
	}
	return nil
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
