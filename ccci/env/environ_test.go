package env

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestEnviron(t *testing.T) {
	e := &Env{Spec: Spec{
		Path: []string{"/nix/tools/bin", "/usr/bin"},
		Vars: map[string]string{"HOME": "/var/lib/cc-ci", "PLAYWRIGHT_BROWSERS_PATH": "/nix/browsers", "CI": "declared"},
		Pass: []string{"DRONE_*", "CI", "TERM"},
	}}
	caller := []string{
		"SECRET_TOKEN=hunter2",
		"PATH=/caller/bin",
		"HOME=/root",
		"DRONE_BRANCH=main",
		"DRONE_COMMIT=abc=def",
		"TERM=xterm",
		"TERM=dumb", // the last one wins, as in os/exec
		"CI=true",   // declared wins
		"DRONE_",    // no '=': ignored
		"=C:=C:\\",
		"DRONEX=1",
	}
	want := []string{
		"CI=declared",
		"DRONE_BRANCH=main",
		"DRONE_COMMIT=abc=def",
		"HOME=/var/lib/cc-ci",
		"PATH=/nix/tools/bin:/usr/bin",
		"PLAYWRIGHT_BROWSERS_PATH=/nix/browsers",
		"TERM=dumb",
	}
	if diff := cmp.Diff(want, e.Environ(caller)); diff != "" {
		t.Errorf("Environ (-want +got):\n%s", diff)
	}
}

func TestEnvironNeverPassesPath(t *testing.T) {
	// An Env built by hand, without Validate: PATH still comes from Path.
	e := &Env{Spec: Spec{Path: []string{"/bin"}, Vars: map[string]string{"PATH": "/evil"}, Pass: []string{"*"}}}
	got := e.Environ([]string{"PATH=/caller", "X=1"})
	want := []string{"PATH=/bin", "X=1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Environ (-want +got):\n%s", diff)
	}
	if got := (&Env{}).Environ(nil); !cmp.Equal(got, []string{"PATH="}) {
		t.Errorf("zero Env.Environ(nil) = %q, want [PATH=]", got)
	}
}
