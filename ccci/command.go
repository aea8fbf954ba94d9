package ccci

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"time"

	"coopcloud.tech/cc-ci/ccci/env"
)

// Command builds a job to run in the environment e: argv[0] is resolved
// with e.LookPath (declared directories only, unless it has a slash), the
// environment is e.Environ(caller), and the job leads its own process
// group. When ctx ends, the whole group gets SIGTERM, and SIGKILL grace
// later (at once when grace is not positive); cmd.WaitDelay is grace, so
// Wait returns even when a background child keeps the output pipes open.
//
// A job that exits by itself may leave background children behind; call
// KillGroup after Wait to be sure none survive.
func Command(ctx context.Context, e *env.Env, argv []string, caller []string, grace time.Duration) (*exec.Cmd, error) {
	if len(argv) == 0 {
		return nil, fmt.Errorf("no command: %w", ErrUsage)
	}
	path, err := e.LookPath(argv[0])
	if err != nil {
		return nil, err
	}
	return GroupCommand(ctx, path, argv, e.Environ(caller), grace), nil
}

// GroupCommand is the process handling under Command, for a program
// already found: path run as argv with environment environ, leading its
// own process group; when ctx ends the group gets SIGTERM, then SIGKILL
// after grace (at once when grace is not positive). Call KillGroup after
// Wait to end what the program left running in its group.
func GroupCommand(ctx context.Context, path string, argv, environ []string, grace time.Duration) *exec.Cmd {
	cmd := exec.CommandContext(ctx, path)
	cmd.Args = append([]string{argv[0]}, argv[1:]...)
	cmd.Env = environ
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = grace
	cmd.Cancel = func() error {
		pgid := cmd.Process.Pid
		if grace <= 0 {
			return signalGroup(pgid, syscall.SIGKILL)
		}
		time.AfterFunc(grace, func() { _ = signalGroup(pgid, syscall.SIGKILL) })
		return signalGroup(pgid, syscall.SIGTERM)
	}
	return cmd
}

// KillGroup sends SIGKILL to the process group a started Command leads.
// It is a no-op (nil) when the group is already gone.
func KillGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	return signalGroup(cmd.Process.Pid, syscall.SIGKILL)
}

func signalGroup(pgid int, sig syscall.Signal) error {
	err := syscall.Kill(-pgid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sending %v to process group %d: %w", sig, pgid, err)
	}
	return nil
}
