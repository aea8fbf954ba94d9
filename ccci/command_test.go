package ccci

import (
	"context"
	"errors"
	"testing"
	"time"

	"coopcloud.tech/cc-ci/ccci/env"
)

// testEnv resolves bash and sleep from the host's /usr/bin:/bin.
func testEnv(t *testing.T) *env.Env {
	t.Helper()
	e, err := env.Resolve(env.Spec{Path: []string{"/usr/bin", "/bin"}, Tools: []string{"bash", "sleep"},
		Vars: map[string]string{"FROM_SPEC": "1"}, Pass: []string{"CI"}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestCommandEnvironment(t *testing.T) {
	cmd, err := Command(context.Background(), testEnv(t), []string{"bash", "-c", `echo "$PATH $FROM_SPEC ${CI-} ${SECRET_TOKEN-none} $0"`},
		[]string{"CI=true", "SECRET_TOKEN=s3cret", "PATH=/caller/bin"}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.Output()
	want := "/usr/bin:/bin 1 true none bash\n"
	if err != nil || string(out) != want {
		t.Errorf("job output = %q (%v), want %q", out, err, want)
	}
	// How the group is stopped is internal/proc's, tested there.
	if cmd.SysProcAttr == nil || !cmd.SysProcAttr.Setpgid || cmd.Cancel == nil || cmd.WaitDelay != time.Second {
		t.Errorf("Command: job does not lead its own process group, stopped after a grace of 1s")
	}
}

func TestCommandErrors(t *testing.T) {
	e := testEnv(t)
	if _, err := Command(context.Background(), e, nil, nil, 0); !errors.Is(err, ErrUsage) {
		t.Errorf("Command(no argv) = %v, want ErrUsage", err)
	}
	if _, err := Command(context.Background(), e, []string{"no-such-tool-here"}, nil, 0); err == nil {
		t.Errorf("Command(no-such-tool-here) = nil error, want not found")
	}
}
