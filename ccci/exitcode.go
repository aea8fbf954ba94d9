package ccci

import (
	"context"
	"errors"
	"fmt"

	"coopcloud.tech/cc-ci/ccci/env"
)

// Exit codes (DESIGN.md section 6). The table is in the package doc.
const (
	ExitOK          = 0
	ExitFailed      = 1
	ExitUsage       = 2
	ExitEnv         = 3
	ExitBusy        = 75
	ExitInterrupted = 130
)

// Sentinels the binaries branch on; wrap them with fmt.Errorf("...: %w").
var (
	ErrFailed          = errors.New("a recipe test failed")
	ErrUsage           = errors.New("usage")
	ErrNothingEnrolled = errors.New("nothing enrolled")
	ErrLocked          = errors.New("locked")
	ErrDeferred        = errors.New("deferred")
	ErrInterrupted     = errors.New("interrupted")

	// ErrEnvironment is an environment that does not meet its declaration
	// beyond missing tools (*env.MissingError) and unmet requirements
	// (*env.RequireError): a host problem found before a run.
	ErrEnvironment = errors.New("environment incomplete")

	// ErrConfig matches every *ConfigError (errors.Is(err, ErrConfig)),
	// and any error about a file the operator keeps that is wrong, such as
	// sweep.StateError (a state file that does not parse): exit 2. Such an
	// error matches it with an Is(target error) bool method.
	ErrConfig = errors.New("config error")
)

// Is makes errors.Is(err, ErrConfig) true for a *ConfigError.
func (e *ConfigError) Is(target error) bool { return target == ErrConfig }

// ExitCode maps an error to the process exit status. When err joins
// several, the first matching row of the package doc's table wins, in
// this order: interrupted, usage/config, environment, busy, failed.
func ExitCode(err error) int {
	var (
		missing  *env.MissingError
		command  *env.CommandError
		insecure *env.InsecureError
		require  *env.RequireError
		view     *env.ViewError
		spec     *env.SpecError
	)
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, ErrInterrupted), errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.Is(err, ErrUsage), errors.Is(err, ErrConfig), errors.As(err, &spec):
		return ExitUsage
	case errors.As(err, &missing), errors.As(err, &command), errors.As(err, &insecure), errors.As(err, &require), errors.As(err, &view),
		errors.Is(err, ErrEnvironment),
		errors.Is(err, ErrNothingEnrolled):
		return ExitEnv
	case errors.Is(err, ErrLocked), errors.Is(err, ErrDeferred):
		return ExitBusy
	}
	return ExitFailed // ErrFailed and anything unforeseen
}

// Usagef is a caller's mistake (a flag, an argument, a name that is not
// enrolled): it prints as its message alone and matches ErrUsage (exit 2).
// %w in format wraps an error as fmt.Errorf does.
func Usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

type usageError struct{ err error }

func (e usageError) Error() string        { return e.err.Error() }
func (e usageError) Unwrap() error        { return e.err }
func (e usageError) Is(target error) bool { return target == ErrUsage }
