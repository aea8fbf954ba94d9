package ccci

import (
	"context"
	"fmt"
	"os/exec"
	"time"

	"coopcloud.tech/cc-ci/ccci/env"
	"coopcloud.tech/cc-ci/internal/proc"
)

// Command builds a job to run in the environment e: argv[0] is resolved
// with e.LookPath (declared directories only, unless it has a slash), the
// environment is e.Environ(caller), and the job leads its own process
// group. When ctx ends, the whole group gets SIGTERM, and SIGKILL grace
// later (at once when grace is not positive); cmd.WaitDelay is grace, so
// Wait returns even when a background child keeps the output pipes open.
//
// A job that exits by itself may leave background children in its group;
// to be sure none survive, send the group SIGKILL after Wait:
// syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL).
func Command(ctx context.Context, e *env.Env, argv []string, caller []string, grace time.Duration) (*exec.Cmd, error) {
	if len(argv) == 0 {
		return nil, fmt.Errorf("no command: %w", ErrUsage)
	}
	path, err := e.LookPath(argv[0])
	if err != nil {
		return nil, err
	}
	return proc.Command(ctx, path, argv, e.Environ(caller), proc.Options{Grace: grace}), nil
}
