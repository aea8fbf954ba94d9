package sweep

// This file fixes the API the sweep's parts build against; each function is
// replaced by its implementation (same names and signatures).

import (
	"context"
	"errors"
	"io"
	"time"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/recipe"
)

var errTODO = errors.New("unimplemented")

// Plan decides, per recipe, whether to run it and why. Pure.
func Plan(in []Input, st *State, opts Options) []Decision { return nil }

// StateError is a state file that cannot be read or parsed.
type StateError struct {
	Path string
	Err  error
}

func (e *StateError) Error() string { return "state " + e.Path + ": " + e.Err.Error() }
func (e *StateError) Unwrap() error { return e.Err }

// ReadState reads the state file; a missing file is an empty State.
func ReadState(path string) (*State, error) { return nil, errTODO }

// UpdateState is read-modify-write under an exclusive lock, written atomically.
func UpdateState(ctx context.Context, path string, fn func(*State) error) error { return errTODO }

// Promote makes v (at commit) the recipe's canonical version.
func Promote(ctx context.Context, path, name string, v recipe.Version, commit string, now time.Time) error {
	return errTODO
}

// RecordLast records a result beside the canonical record.
func RecordLast(ctx context.Context, path, name string, last Last) error { return errTODO }

// Enrol lists the recipes the sweep covers: the configured source minus
// the exclusions. An empty set is an error wrapping ccci.ErrNothingEnrolled.
func Enrol(ctx context.Context, cfg *ccci.Sweep, getenv func(string) string) (recipes []recipe.Recipe, skipped []error, err error) {
	return nil, nil, errTODO
}

// ReadInputs reads each recipe's tag names (not peeled), jobs at a time.
func ReadInputs(ctx context.Context, recipes []recipe.Recipe, jobs int) ([]Input, []error) {
	return nil, nil
}

// PeelRuns fills Decision.Commit for every run decision.
func PeelRuns(ctx context.Context, in []Input, ds []Decision) error { return errTODO }

// Sync fetches each clone's tags from its remote, reporting each fetch.
func Sync(ctx context.Context, recipes []recipe.Recipe, report func(name string, err error)) {}

// WriteJUnit writes one testcase per recipe.
func WriteJUnit(w io.Writer, s *Summary) error { return errTODO }
