package sweep

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"coopcloud.tech/cc-ci/ccci/env"
	"coopcloud.tech/cc-ci/internal/proc"
)

// notifyTimeout bounds a notify command. A shorter deadline on the
// context passed to notify wins.
const notifyTimeout = 2 * time.Minute

// notifyGrace is how long a notify command has between SIGTERM and SIGKILL.
const notifyGrace = 5 * time.Second

// notifyOutputMax is how much of the command's output a NotifyError keeps.
const notifyOutputMax = 2048

// statusEnv is the variable that carries Summary.Status to the notify command.
const statusEnv = "CCCI_SWEEP_STATUS"

// NotifyError is a notify command that could not start, failed or timed out.
// It names the command and how it ended; Output holds the end of what the
// command printed (stdout and stderr), for the operator's log.
type NotifyError struct {
	Command    string // argv[0] as configured
	ExitStatus int    // -1 when it never started or was killed by a signal
	Output     string
	Err        error
}

func (e *NotifyError) Error() string {
	msg := fmt.Sprintf("notify %s: %v", e.Command, e.Err)
	if e.ExitStatus > 0 {
		msg = fmt.Sprintf("notify %s: exit status %d", e.Command, e.ExitStatus)
	}
	if line := lastLine(e.Output); line != "" {
		msg += ": " + line
	}
	return msg
}

func (e *NotifyError) Unwrap() error { return e.Err }

// notify runs argv with the summary JSON on stdin and CCCI_SWEEP_STATUS set
// to s.Status, in the environment e: argv[0] is resolved with e.LookPath and
// the command sees e.Environ(os.Environ()), so it finds the same tools as
// the recipe runs. A nil e means the caller's own PATH and environment.
//
// The command runs in its own process group for at most notifyTimeout (or
// until ctx ends); then the group gets SIGTERM, and SIGKILL a few seconds
// later. An empty argv does nothing. Any failure comes back as a
// *NotifyError; it is the caller's to report, never to turn into the
// sweep's own result.
func notify(ctx context.Context, e *env.Env, argv []string, s *Summary) error {
	if len(argv) == 0 {
		return nil
	}
	body, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return &NotifyError{Command: argv[0], ExitStatus: -1, Err: err}
	}
	path, environ, err := notifyTarget(e, argv[0])
	if err != nil {
		return &NotifyError{Command: argv[0], ExitStatus: -1, Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, notifyTimeout)
	defer cancel()
	var out tailBuffer
	cmd := proc.Command(ctx, path, argv, append(environ, statusEnv+"="+s.Status), proc.Options{Grace: notifyGrace})
	cmd.Stdin = bytes.NewReader(append(body, '\n'))
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	_ = proc.KillGroup(cmd) // whatever it left behind in its group goes with it
	if err == nil {
		return nil
	}
	return notifyFailure(ctx, argv[0], err, out.String())
}

// notifyTarget resolves the command and the environment it runs in.
func notifyTarget(e *env.Env, name string) (string, []string, error) {
	if e == nil {
		path, err := exec.LookPath(name)
		return path, os.Environ(), err
	}
	path, err := e.LookPath(name)
	if err != nil {
		return "", nil, err
	}
	return path, e.Environ(os.Environ()), nil
}

// notifyFailure turns cmd.Run's error into a *NotifyError.
func notifyFailure(ctx context.Context, name string, err error, output string) error {
	ne := &NotifyError{Command: name, ExitStatus: -1, Output: output, Err: err}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		ne.ExitStatus = exit.ExitCode()
	}
	if ctx.Err() != nil {
		ne.ExitStatus = -1
		ne.Err = fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return ne
}

// tailBuffer keeps the last notifyOutputMax bytes written to it.
type tailBuffer struct{ b []byte }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > notifyOutputMax {
		t.b = append(t.b[:0], t.b[len(t.b)-notifyOutputMax:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.b) }

// lastLine is the last non-empty line of s, trimmed.
func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSpace(s)
}
