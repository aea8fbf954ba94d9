package ccci

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"

	"coopcloud.tech/cc-ci/ccci/env"
)

// stateError stands for sweep.StateError, which ccci cannot import: it
// matches ErrConfig through an Is method.
type stateError struct{ path string }

func (e *stateError) Error() string        { return "state " + e.path + ": corrupt" }
func (e *stateError) Is(target error) bool { return target == ErrConfig }

func TestExitCode(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{ErrFailed, 1},
		{fmt.Errorf("recipe x: %w", ErrFailed), 1},
		{errors.New("something unforeseen"), 1},
		{context.DeadlineExceeded, 1},
		{ErrUsage, 2},
		{fmt.Errorf("flag -x: %w", ErrUsage), 2},
		{Usagef("-only names %s", "gitae"), 2},
		{&ConfigError{File: "c.toml", Line: 2, Err: errors.New("bad")}, 2},
		{fmt.Errorf("loading: %w", &ConfigError{File: "c.toml", Err: errors.New("no such file")}), 2},
		{&stateError{"/var/lib/cc-ci/canonical.json"}, 2},
		{&env.MissingError{Tools: []string{"git-lfs"}, Dirs: []string{"/bin"}}, 3},
		{fmt.Errorf("resolving: %w", &env.MissingError{Tools: []string{"abra"}}), 3},
		{fmt.Errorf("sweep: %w", ErrNothingEnrolled), 3},
		{&env.InsecureError{Path: "/tmp/x", Mode: 0o777}, 3},
		{fmt.Errorf("resolving: %w", &env.ViewError{Dir: "/run/cc-ci/env", Err: os.ErrPermission}), 3},
		{&env.RequireError{Failed: []env.ToolStatus{{Tool: "git-lfs", Err: errors.New("git-lfs: version 2.0 does not satisfy \">= 3.0\"")}}}, 3},
		{fmt.Errorf("git-lfs 2.0 < 3.0: %w", ErrEnvironment), 3},
		{&env.SpecError{Key: "path[0]", Value: "bin", Reason: "relative"}, 2},
		{ErrLocked, 75},
		{&LockedError{Path: "/run/cc-ci/sweep.lock", PID: 42}, 75},
		{ErrDeferred, 75},
		{ErrInterrupted, 130},
		{context.Canceled, 130},
		{fmt.Errorf("%w: %w", &LockedError{Path: "l"}, context.Canceled), 130},
		{fmt.Errorf("%w: %w", &LockedError{Path: "l"}, context.DeadlineExceeded), 75},
		{errors.Join(ErrFailed, ErrDeferred), 75},
		{errors.Join(ErrFailed, ErrInterrupted), 130},
		{errors.Join(ErrFailed, &ConfigError{Err: errors.New("x")}), 2},
	}
	for _, tt := range tests {
		if got := ExitCode(tt.err); got != tt.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

// TestUsagef: a usage error prints as its message alone, wraps with %w.
func TestUsagef(t *testing.T) {
	inner := errors.New("board x: not a board")
	err := Usagef("report: %w", inner)
	if err.Error() != "report: board x: not a board" || !errors.Is(err, inner) || !errors.Is(err, ErrUsage) {
		t.Errorf("Usagef = %q (is inner %v, is ErrUsage %v), want the message alone, wrapping both",
			err, errors.Is(err, inner), errors.Is(err, ErrUsage))
	}
}
