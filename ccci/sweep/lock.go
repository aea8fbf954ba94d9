package sweep

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"coopcloud.tech/cc-ci/ccci"
)

// lockSweep takes the one-sweep-at-a-time lock, <lockdir>/sweep.lock,
// without waiting, and writes the holder's PID into it. When another sweep
// holds it, the error wraps ccci.ErrLocked and names that sweep's PID when
// the file tells it.
func lockSweep(lockdir string) (*ccci.Lock, error) {
	if err := os.MkdirAll(lockdir, 0o755); err != nil {
		return nil, fmt.Errorf("making lock directory %s: %w", lockdir, err)
	}
	path := ccci.SweepLockPath(lockdir)
	l, err := ccci.TryLock(path, true)
	if err != nil {
		if errors.Is(err, ccci.ErrLocked) {
			return nil, &BusyError{Path: path, PID: holderPID(path), Err: err}
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	if f := l.File(); f != nil {
		// Best effort: the PID only improves the loser's message.
		if f.Truncate(0) == nil {
			_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
		}
	}
	return l, nil
}

// holderPID reads the PID a sweep wrote into its lock file; 0 if unknown.
func holderPID(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// BusyError is a sweep lock held by another sweep. It wraps ccci.ErrLocked
// (exit 75).
type BusyError struct {
	Path string
	PID  int // 0 when the holder is unknown
	Err  error
}

func (e *BusyError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("another sweep is running (pid %d holds %s)", e.PID, e.Path)
	}
	return fmt.Sprintf("another sweep is running (%s is held)", e.Path)
}

func (e *BusyError) Unwrap() error { return e.Err }

// hostLock is the sweep's side of the run-active lock. CI jobs (cc-ci-run)
// hold it shared; the sweep holds it exclusively while any of its recipe
// runs is active. With jobs > 1 the runs share one exclusive hold: the
// first run to start takes the lock (waiting for CI jobs to end, up to the
// sweep-wide deadline), later runs join it, and the last run to end
// releases it, so CI jobs get the host between recipes whenever no sweep run
// is active. Its zero value is not usable; make it with newHostLock.
type hostLock struct {
	path     string
	deadline time.Time
	poll     time.Duration

	mu    sync.Mutex // held while waiting, so joiners queue behind the waiter
	count int
	lock  *ccci.Lock
}

func newHostLock(lockdir string, deadline time.Time, poll time.Duration) *hostLock {
	if poll <= 0 {
		poll = time.Second
	}
	return &hostLock{path: ccci.RunActivePath(lockdir), deadline: deadline, poll: poll}
}

// acquire joins the sweep's exclusive hold, taking it first if no run holds
// it. It returns the locked file (for the child) or an error wrapping
// ccci.ErrDeferred past the deadline, or ctx's error.
func (h *hostLock) acquire(ctx context.Context) (*os.File, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.count > 0 {
		h.count++
		return h.lock.File(), nil
	}
	for {
		l, err := ccci.TryLock(h.path, true)
		if err == nil {
			h.lock, h.count = l, 1
			return l.File(), nil
		}
		if !errors.Is(err, ccci.ErrLocked) {
			return nil, fmt.Errorf("locking %s: %w", h.path, err)
		}
		wait := time.Until(h.deadline)
		if wait <= 0 {
			return nil, fmt.Errorf("a CI job still holds %s at the defer deadline %s: %w",
				h.path, h.deadline.UTC().Format(time.RFC3339), ccci.ErrDeferred)
		}
		t := time.NewTimer(min(wait, h.poll))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// release leaves the hold; the last run out unlocks.
func (h *hostLock) release() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.count--
	if h.count > 0 {
		return nil
	}
	l := h.lock
	h.lock = nil
	if err := l.Unlock(); err != nil {
		return fmt.Errorf("unlocking %s: %w", h.path, err)
	}
	return nil
}
