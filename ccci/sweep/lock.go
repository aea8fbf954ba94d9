package sweep

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"coopcloud.tech/cc-ci/ccci"
)

// lockSweep takes the one-sweep-at-a-time lock, <lockdir>/sweep.lock,
// without waiting (ccci.TryLock writes the holder's PID into it). When
// another sweep holds it, the error wraps ccci.ErrLocked (exit 75) and
// names that sweep's PID when the file tells it.
func lockSweep(lockdir string) (*ccci.Lock, error) {
	l, err := ccci.TryLock(ccci.SweepLockPath(lockdir))
	switch {
	case errors.Is(err, ccci.ErrLocked):
		return nil, fmt.Errorf("another sweep is running: %w", err)
	case err != nil:
		return nil, hostError("lock directory "+lockdir, err)
	}
	return l, nil
}

// hostLock is the sweep's side of the run-active lock. CI jobs (cc-ci-run)
// hold it shared; the sweep holds it exclusively while any of its recipe
// runs is active. With jobs > 1 the runs share one exclusive hold: the
// first run to start takes the lock (waiting for CI jobs to end, up to the
// sweep-wide deadline), later runs join it, and the last run to end
// releases it, so CI jobs get the host between recipes whenever no sweep run
// is active. Its zero value is not usable; make it with newHostLock. A nil
// *hostLock holds nothing (acquire and release do nothing).
type hostLock struct {
	path     string
	deadline time.Time

	mu    sync.Mutex // held while waiting, so joiners queue behind the waiter
	count int
	lock  *ccci.Lock
}

func newHostLock(lockdir string, deadline time.Time) *hostLock {
	return &hostLock{path: ccci.RunActivePath(lockdir), deadline: deadline}
}

// acquire joins the sweep's exclusive hold, taking it first if no run holds
// it. It returns the locked file (for the child) or an error wrapping
// ccci.ErrDeferred past the deadline, or ctx's error. waiting (if not nil)
// is called once when a CI job makes it wait.
func (h *hostLock) acquire(ctx context.Context, waiting func()) (*os.File, error) {
	if h == nil { // the Drone executor's runs need none
		return nil, nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.count > 0 {
		h.count++
		return h.lock.File(), nil
	}
	l, err := ccci.TryLock(h.path)
	if errors.Is(err, ccci.ErrLocked) {
		if waiting != nil && time.Now().Before(h.deadline) {
			waiting()
		}
		dctx, cancel := context.WithDeadline(ctx, h.deadline)
		l, err = ccci.WaitLock(dctx, h.path)
		cancel()
	}
	switch {
	case err == nil:
		h.lock, h.count = l, 1
		return l.File(), nil
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case errors.Is(err, context.DeadlineExceeded):
		return nil, fmt.Errorf("a CI job still holds %s at the defer deadline %s: %w",
			h.path, h.deadline.UTC().Format(time.RFC3339), ccci.ErrDeferred)
	}
	return nil, fmt.Errorf("locking %s: %w", h.path, err)
}

// release leaves the hold; the last run out unlocks.
func (h *hostLock) release() error {
	if h == nil {
		return nil
	}
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
