package ccci

import (
	"strings"

	"coopcloud.tech/cc-ci/ccci/env"
)

// VarFingerprint carries the sweep's environment fingerprint to the
// cc-ci-run that starts a recipe test on another host (a Drone build
// parameter): that cc-ci-run refuses to run when its own differs.
const VarFingerprint = "CCCI_FINGERPRINT"

// ParityRefusal begins the message of a *ParityError. cc-ci-run prints it
// as "cc-ci-run: runner environment differs: ..." and exits 3; the sweep
// finds that line in a build's log and records the run as an error, not a
// failed test.
const ParityRefusal = "runner environment differs"

// ParityError says that the fingerprint a job was sent (Want) is not the
// one this host's environment has (Got). Host lists this host's side, one
// line each (its fingerprint, then the lines cc-ci-run -fingerprint
// -lines prints), for the operator to compare with the sweep host's. It
// matches ErrEnvironment (exit 3).
type ParityError struct {
	Want, Got string
	Host      []string
}

func (e *ParityError) Error() string {
	var b strings.Builder
	b.WriteString(ParityRefusal + ": the sweep's fingerprint is " + e.Want + ", this host's is " + e.Got)
	for _, line := range e.Host {
		b.WriteString("\nthis host: " + line)
	}
	return b.String()
}

func (e *ParityError) Is(target error) bool { return target == ErrEnvironment }

// CheckParity compares $CCCI_FINGERPRINT (read with getenv), when set,
// with e's fingerprint: a *ParityError when they differ, else nil.
func CheckParity(e *env.Env, getenv func(string) string) error {
	want := strings.TrimSpace(getenv(VarFingerprint))
	got := e.Fingerprint()
	if want == "" || want == got {
		return nil
	}
	// The lines the fingerprint hashes (cc-ci-run -fingerprint -lines):
	// run that on the sweep's host and diff the two.
	host := append([]string{"fingerprint " + got}, e.FingerprintLines()...)
	return &ParityError{Want: want, Got: got, Host: host}
}
