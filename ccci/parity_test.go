package ccci

import (
	"errors"
	"strings"
	"testing"

	"coopcloud.tech/cc-ci/ccci/env"
)

func TestCheckParity(t *testing.T) {
	e := &env.Env{Spec: env.Spec{Path: []string{"/bin"}}, Tools: map[string]string{"sh": "/bin/dash", "git": "/usr/bin/git"}}
	fp := e.Fingerprint()
	for _, sent := range []string{"", fp, " " + fp + "\n"} {
		if err := CheckParity(e, getenvMap(map[string]string{VarFingerprint: sent})); err != nil {
			t.Errorf("CheckParity with %s=%q = %v, want nil", VarFingerprint, sent, err)
		}
	}
	err := CheckParity(e, getenvMap(map[string]string{VarFingerprint: "e1:other"}))
	var pe *ParityError
	if !errors.As(err, &pe) || pe.Want != "e1:other" || pe.Got != fp {
		t.Fatalf("CheckParity with another fingerprint = %v, want a *ParityError", err)
	}
	want := ParityRefusal + ": the sweep's fingerprint is e1:other, this host's is " + fp +
		"\nthis host: fingerprint " + fp + "\nthis host: dir 0 /bin\nthis host: tool git /usr/bin/git\nthis host: tool sh /bin/dash"
	if err.Error() != want {
		t.Errorf("ParityError.Error() =\n%s\nwant\n%s", err, want)
	}
	if !errors.Is(err, ErrEnvironment) || ExitCode(err) != ExitEnv {
		t.Errorf("ExitCode(%v) = %d, want %d", err, ExitCode(err), ExitEnv)
	}
	if !strings.HasPrefix(err.Error(), ParityRefusal) {
		t.Errorf("the message must begin with ParityRefusal, the sweep looks for it")
	}
}
