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
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/recipe"
)

// Record statuses. A canonical record made by a passing sweep run says
// StatusPass; one made by "cc-ci-sweep promote" says StatusByHand, so the
// state file shows that no test backed it. The plan treats both alike.
const (
	StatusPass   = "pass"
	StatusByHand = "promoted-by-hand"
)

// StateError is a state file that cannot be read or parsed. It stops the
// sweep and the file is never overwritten. Like a config error it is the
// operator's file being wrong: errors.Is(err, ccci.ErrConfig) holds, so
// ccci.ExitCode maps it to 2.
type StateError struct {
	Path string
	Err  error
}

func (e *StateError) Error() string { return "state " + e.Path + ": " + e.Err.Error() }
func (e *StateError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ccci.ErrConfig) true for a *StateError.
func (e *StateError) Is(target error) bool { return target == ccci.ErrConfig }

// ErrSchema is wrapped by the StateError of a state file whose schema is
// missing or newer than StateSchema.
var ErrSchema = errors.New("unknown state schema")

// NewState returns an empty State of the current schema.
func NewState() *State {
	return &State{Schema: StateSchema, Recipes: map[string]*Record{}}
}

// Record returns the recipe's record, or nil. It works on a nil State.
func (s *State) Record(name string) *Record {
	if s == nil {
		return nil
	}
	return s.Recipes[name]
}

// Canonical returns the recipe's canonical version and commit ("" if none).
func (s *State) Canonical(name string) (version, commit string) {
	if r := s.Record(name); r != nil {
		return r.Version, r.Commit
	}
	return "", ""
}

// record returns the recipe's record, creating it.
func (s *State) record(name string) *Record {
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

// ReadState reads the state file; a missing file is an empty State. A file
// that does not parse, or whose schema is missing or newer than StateSchema,
// is a *StateError naming the file.
func ReadState(path string) (*State, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return NewState(), nil
	}
	if err != nil {
		return nil, &StateError{Path: path, Err: err}
	}
	return parseState(path, b)
}

// parseState decodes and checks a state file's bytes.
func parseState(path string, b []byte) (*State, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, &StateError{Path: path, Err: errors.New("empty file")}
	}
	var st State
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&st); err != nil {
		return nil, &StateError{Path: path, Err: jsonError(b, err)}
	}
	if dec.More() {
		return nil, &StateError{Path: path, Err: errors.New("trailing data after the JSON object")}
	}
	switch {
	case st.Schema == 0:
		return nil, &StateError{Path: path, Err: fmt.Errorf("%w: no \"schema\" field", ErrSchema)}
	case st.Schema > StateSchema:
		return nil, &StateError{Path: path, Err: fmt.Errorf("%w: schema %d is newer than %d (a newer cc-ci wrote it)", ErrSchema, st.Schema, StateSchema)}
	case st.Schema < 0:
		return nil, &StateError{Path: path, Err: fmt.Errorf("%w: schema %d", ErrSchema, st.Schema)}
	}
	if st.Recipes == nil {
		st.Recipes = map[string]*Record{}
	}
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

// UpdateState reads the state file, calls fn and writes the result, all
// under an exclusive flock on path+".lock" (ccci.WaitLock, polling until
// ctx ends). The file is replaced atomically: a temporary file in the same
// directory is written, synced and renamed over it, and the directory is
// synced. If the file does not parse, fn is not called and nothing is
// written; if fn returns an error, nothing is written.
func UpdateState(ctx context.Context, path string, fn func(*State) error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating state directory: %w", err)
	}
	lock, err := ccci.WaitLock(ctx, path+".lock")
	if err != nil {
		return fmt.Errorf("locking state %s: %w", path, err)
	}
	defer lock.Unlock()
	removeStaleTemps(path)
	st, err := ReadState(path)
	if err != nil {
		return err
	}
	if err := fn(st); err != nil {
		return err
	}
	st.Schema = StateSchema
	return writeState(path, st)
}

// tempPrefix starts the names of the temporary files writeAtomic makes.
func tempPrefix(path string) string { return "." + filepath.Base(path) + ".tmp-" }

// removeStaleTemps removes temporary files left by a writer killed before
// its rename. Only writers holding the lock make them, so under the lock
// every one is stale.
func removeStaleTemps(path string) {
	dir, prefix := filepath.Dir(path), tempPrefix(path)
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// writeState replaces path with st atomically.
func writeState(path string, st *State) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding state %s: %w", path, err)
	}
	return writeAtomic(path, append(b, '\n'))
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

// Promote makes v (at commit) the recipe's canonical version, with status
// "pass" and time now; the recipe's last result is kept. Call it only
// after a passing run; "cc-ci-sweep promote" uses PromoteByHand.
func Promote(ctx context.Context, path, name string, v recipe.Version, commit string, now time.Time) error {
	_, err := promote(ctx, path, name, v, commit, StatusPass, now)
	return err
}

// PromoteByHand is Promote with status "promoted-by-hand". It returns the
// canonical version it replaced ("" if none), read under the same lock.
func PromoteByHand(ctx context.Context, path, name string, v recipe.Version, commit string, now time.Time) (replaced string, err error) {
	return promote(ctx, path, name, v, commit, StatusByHand, now)
}

func promote(ctx context.Context, path, name string, v recipe.Version, commit, status string, now time.Time) (replaced string, err error) {
	commit = strings.ToLower(commit)
	if err := checkPromotion(name, v, commit); err != nil {
		return "", err
	}
	err = UpdateState(ctx, path, func(st *State) error {
		r := st.record(name)
		replaced = r.Version
		r.Version, r.Commit, r.Status, r.TS = v.String(), commit, status, now.UTC()
		return nil
	})
	return replaced, err
}

// RecordLast records a result beside the canonical record, which it never
// touches.
func RecordLast(ctx context.Context, path, name string, last Last) error {
	if err := recipe.ValidName(name); err != nil {
		return fmt.Errorf("recording result of %q: %w", name, err)
	}
	last.TS = last.TS.UTC()
	return UpdateState(ctx, path, func(st *State) error {
		st.record(name).Last = &last
		return nil
	})
}
