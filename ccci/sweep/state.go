package sweep

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"time"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/recipe"
	"coopcloud.tech/cc-ci/internal/atomicfile"
)

// StateError is a state file that cannot be read or parsed. It stops the
// sweep and the file is never overwritten. It matches ccci.ErrConfig: the
// operator's file is wrong, exit 2 as for a config error.
type StateError struct {
	Path string
	Err  error
}

func (e *StateError) Error() string { return "state " + e.Path + ": " + e.Err.Error() }
func (e *StateError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ccci.ErrConfig) true for a *StateError.
func (e *StateError) Is(target error) bool { return target == ccci.ErrConfig }

// errSchema is wrapped by the StateError of a state file whose schema is
// missing or newer than stateSchema.
var errSchema = errors.New("unknown state schema")

// stateSchema is the current state file schema version.
const stateSchema = 1

// state is the canonical state file (see the package doc).
type state struct {
	Schema  int                `json:"schema"`
	Recipes map[string]*Record `json:"recipes"`

	extra extras // fields a newer cc-ci wrote, kept
}

// newState returns an empty state of the current schema.
func newState() *state {
	return &state{Schema: stateSchema, Recipes: map[string]*Record{}}
}

// record returns the recipe's record, or nil. It works on a nil state.
func (s *state) record(name string) *Record {
	if s == nil {
		return nil
	}
	return s.Recipes[name]
}

// edit returns the recipe's record, creating it.
func (s *state) edit(name string) *Record {
	if s.Recipes == nil {
		s.Recipes = map[string]*Record{}
	}
	r := s.Recipes[name]
	if r == nil {
		r = &Record{}
		s.Recipes[name] = r
	}
	return r
}

// errNoState is a state file that does not exist. Only Init creates one:
// a sweep that created it would re-test every recipe of a mistyped path.
var errNoState = errors.New("no such file; cc-ci-sweep init creates an empty one (a sweep never does)")

// readState reads the state file. A file that is missing, does not parse,
// or whose schema is missing or newer than stateSchema is a *StateError
// naming the file.
func readState(path string) (*state, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &StateError{Path: path, Err: errNoState}
	}
	if err != nil {
		return nil, &StateError{Path: path, Err: unwrapPath(err)}
	}
	return parseState(path, b)
}

// unwrapPath drops the path of an *fs.PathError: the StateError names it.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// parseState decodes and checks a state file's bytes.
func parseState(path string, b []byte) (*state, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, &StateError{Path: path, Err: errors.New("empty file")}
	}
	var st state
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&st); err != nil {
		return nil, &StateError{Path: path, Err: jsonError(b, err)}
	}
	if dec.More() {
		return nil, &StateError{Path: path, Err: errors.New("trailing data after the JSON object")}
	}
	switch {
	case st.Schema == 0:
		return nil, &StateError{Path: path, Err: fmt.Errorf("%w: no \"schema\" field", errSchema)}
	case st.Schema > stateSchema:
		return nil, &StateError{Path: path, Err: fmt.Errorf("%w: schema %d is newer than %d (a newer cc-ci wrote it)", errSchema, st.Schema, stateSchema)}
	case st.Schema < 0:
		return nil, &StateError{Path: path, Err: fmt.Errorf("%w: schema %d", errSchema, st.Schema)}
	}
	if st.Recipes == nil {
		st.Recipes = map[string]*Record{}
	}
	st.extra = readExtras(b)
	for name, r := range st.Recipes {
		if r == nil {
			delete(st.Recipes, name)
		}
	}
	return &st, nil
}

// jsonError adds the line number to a JSON syntax or type error.
func jsonError(b []byte, err error) error {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("truncated JSON: %w", err)
	}
	if off < 0 || off > int64(len(b)) {
		return err
	}
	line := 1 + bytes.Count(b[:off], []byte("\n"))
	return fmt.Errorf("line %d: %w", line, err)
}

// updateState reads the state file, calls fn and writes the result, all
// under an exclusive flock on path+".lock" (ccci.WaitLock, polling until
// ctx ends). The file is replaced atomically: a temporary file in the same
// directory is written, synced and renamed over it, and the directory is
// synced. If the file does not parse, fn is not called and nothing is
// written; if fn returns an error, nothing is written.
func updateState(ctx context.Context, path string, fn func(*state) error) error {
	lock, err := ccci.WaitLock(ctx, path+".lock")
	if err != nil {
		return fmt.Errorf("locking state %s: %w", path, err)
	}
	defer lock.Unlock()
	atomicfile.RemoveStale(path)
	st, err := readState(path)
	if err != nil {
		return err
	}
	if err := fn(st); err != nil {
		return err
	}
	st.Schema = stateSchema
	return writeState(path, st)
}

// writeState replaces path with st atomically (through a symlink to its
// target, keeping the file's mode).
func writeState(path string, st *state) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding state %s: %w", path, err)
	}
	return atomicfile.Write(path, append(b, '\n'), 0o644)
}

var hexCommit = regexp.MustCompile(`^([0-9a-f]{40}|[0-9a-f]{64})$`)

// checkPromotion validates Promote's arguments.
func checkPromotion(name string, v recipe.Version, commit string) error {
	if err := recipe.ValidName(name); err != nil {
		return fmt.Errorf("promoting %q: %w", name, err)
	}
	if v.IsZero() {
		return fmt.Errorf("promoting %s: no version", name)
	}
	if c := v.Class(); c != recipe.Release && c != recipe.Legacy {
		return fmt.Errorf("promoting %s: %s is not a release", name, v)
	}
	if !hexCommit.MatchString(commit) {
		return fmt.Errorf("promoting %s %s: commit %q is not a full hex object name", name, v, commit)
	}
	return nil
}

// writeCanonical makes v (at commit) the recipe's canonical version, with
// status (StatusPass after a passing run, StatusByHand) and time now; the
// recipe's last result is kept. It returns the canonical version it
// replaced ("" if none), read under the same lock. When check is not nil
// it is called under the lock with that version first; its error leaves
// the file as it was and is returned.
func writeCanonical(ctx context.Context, path, name string, v recipe.Version, commit, status string, now time.Time, check func(current string) error) (replaced string, err error) {
	commit = strings.ToLower(commit)
	if err := checkPromotion(name, v, commit); err != nil {
		return "", err
	}
	err = updateState(ctx, path, func(st *state) error {
		r := st.edit(name)
		replaced = r.Version
		if check != nil {
			if err := check(r.Version); err != nil {
				return err
			}
		}
		r.Version, r.Commit, r.Status, r.TS = v.String(), commit, status, now.UTC()
		return nil
	})
	return replaced, err
}

// movedError is a promotion refused because the canonical version changed
// during the run to one newer than the version that passed.
type movedError struct{ to string }

func (e *movedError) Error() string { return "canonical moved to " + e.to + " during the run" }

// notBackPast is writeCanonical's check for a sweep's promotion: the
// state held planned when the plan was made; if it holds another version
// now, v may replace it only if v is not older.
func notBackPast(planned string, v recipe.Version) func(string) error {
	return func(current string) error {
		if current == planned || current == "" {
			return nil
		}
		if cur, err := recipe.Parse(current); err == nil && recipe.Compare(v, cur) < 0 {
			return &movedError{to: current}
		}
		return nil
	}
}

// recordLast records a result beside the canonical record, which it never
// touches, carrying the start of the recipe's streak of failures over.
func recordLast(ctx context.Context, path, name string, last Last) error {
	if err := recipe.ValidName(name); err != nil {
		return fmt.Errorf("recording result of %q: %w", name, err)
	}
	last.TS = last.TS.UTC()
	return updateState(ctx, path, func(st *state) error {
		r := st.edit(name)
		last.FailingSince = failingSince(r.Last, last)
		r.Last = &last
		return nil
	})
}

// failingSince is the FailingSince of cur, recorded after prev: the start
// of the oldest run in an unbroken streak of failures, zero once a run
// passes. An interrupted run says nothing about the recipe: the streak
// goes on.
func failingSince(prev *Last, cur Last) time.Time {
	carried := time.Time{}
	if prev != nil {
		carried = prev.FailingSince
		if carried.IsZero() && prev.Verdict.Failed() { // written before failing_since existed
			carried = prev.TS
		}
	}
	switch {
	case cur.Verdict == Interrupted:
		return carried
	case !cur.Verdict.Failed():
		return time.Time{}
	case !carried.IsZero():
		return carried
	}
	return cur.TS
}
