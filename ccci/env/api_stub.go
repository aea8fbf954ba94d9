package env

// This file fixes the API other packages build against. The env package's
// owner replaces it with the real implementation (same names and signatures).

import (
	"context"
	"errors"
)

var errTODO = errors.New("unimplemented")

// Spec is the declared runtime environment, as written in [env].
type Spec struct {
	Path         []string          // absolute directories, searched in order
	Tools        []string          // commands that must resolve in Path
	Vars         map[string]string // set in the environment
	Pass         []string          // names (globs like DRONE_*) copied from the caller
	Require      map[string]string // tool -> version constraint, checked by Probe
	VersionFlags map[string]string // tool -> flag that prints its version (default --version)
}

// Env is a resolved Spec: every tool found.
type Env struct {
	Spec  Spec
	Tools map[string]string // tool -> resolved absolute path (symlinks followed)
}

// Resolve looks every tool up in spec.Path. All missing tools come back in
// one *MissingError.
func Resolve(spec Spec) (*Env, error) { return nil, errTODO }

// Environ builds the job's environment from nothing: PATH, Vars, and the
// caller's variables whose names match Pass.
func (e *Env) Environ(caller []string) []string { return nil }

// LookPath resolves a command: with a slash it is used as is, without one it
// is looked up in the declared directories only.
func (e *Env) LookPath(cmd string) (string, error) { return "", errTODO }

// Fingerprint is "e1:" + base64 SHA-256 over sorted lines.
func (e *Env) Fingerprint() string { return "" }

// ToolStatus is one probed tool.
type ToolStatus struct {
	Tool       string
	Path       string
	Version    string // "" when not found in the output
	Constraint string // from Require, "" when none
	OK         bool
	Err        error
}

// Probe runs each tool's version flag in parallel (only for -check).
func (e *Env) Probe(ctx context.Context) []ToolStatus { return nil }

// Drop is one thing a new Spec drops.
type Drop struct {
	Kind string // "tool", "dir", "var", "pass"
	Name string
}

func Diff(old, new Spec) []Drop { return nil }

// MissingError lists every tool not found, and the directories searched.
type MissingError struct {
	Tools []string
	Dirs  []string
}

func (e *MissingError) Error() string { return "missing tools" }
