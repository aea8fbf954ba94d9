// Package proc starts a program as the leader of its own process group and
// stops the whole group, politely and then by force. It is the one place
// where cc-ci sets up a child's process attributes: ccci.Command (a job,
// a sweep's recipe run, the notify command) and env's version probes all
// start their processes here.
//
// When the command's context ends, the group gets SIGTERM, and SIGKILL
// Options.Grace later; a group is a job's whole tree unless a descendant
// leaves it (setsid), so a "sleep 1000 &" in a test script goes with it.
// A program that exits by itself may leave such children running in its
// group: KillGroup after Wait ends them.
package proc

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"time"
)

// Options say how a command's group is stopped. The zero value kills the
// group with SIGKILL at once when the context ends.
type Options struct {
	// Grace is the time between SIGTERM to the group, when the context
	// ends, and SIGKILL to it; when not positive, SIGKILL is sent at once.
	// It is also cmd.WaitDelay, so that Wait returns even when a process
	// that left the group keeps the output pipes open (one second when
	// Grace is not positive).
	Grace time.Duration

	// ParentDeath is the signal the leader gets when the thread that
	// started it exits (PR_SET_PDEATHSIG; in a Go program that is the
	// process, as long as the starting goroutine does not hold a locked
	// thread it then leaves). 0: none.
	ParentDeath syscall.Signal
}

// minWaitDelay is cmd.WaitDelay when Grace is not positive.
const minWaitDelay = time.Second

// Command returns a command that runs path with arguments argv (argv[0]
// is the name the program sees) and exactly the environment environ, as
// the leader of its own process group, stopped as o says when ctx ends.
func Command(ctx context.Context, path string, argv, environ []string, o Options) *exec.Cmd {
	cmd := exec.CommandContext(ctx, path)
	cmd.Args = append([]string{argv[0]}, argv[1:]...)
	cmd.Env = environ
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: o.ParentDeath}
	cmd.WaitDelay = o.Grace
	if o.Grace <= 0 {
		cmd.WaitDelay = minWaitDelay
	}
	cmd.Cancel = func() error {
		pgid := cmd.Process.Pid
		if o.Grace <= 0 {
			return signalGroup(pgid, syscall.SIGKILL)
		}
		time.AfterFunc(o.Grace, func() { _ = signalGroup(pgid, syscall.SIGKILL) })
		return signalGroup(pgid, syscall.SIGTERM)
	}
	return cmd
}

// KillGroup sends SIGKILL to what is left of the process group a started
// Command leads. It returns nil when the group is gone, or when cmd never
// started.
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
