package sweep

import (
	"context"
	"errors"
	"fmt"
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
// releases it.
//
// The hand-over is fair: a CI job waiting for the lock holds
// ccci.CIWaitingPath shared, and while one does the sweep neither takes
// the lock nor joins a hold in progress, so the job runs before the
// sweep's next recipe run, which then waits for it (within the deadline).
// The lock's descriptor stays in the sweep (close-on-exec): a run's
// leftover processes never keep it. Its zero value is not usable; make it
// with newHostLock. A nil *hostLock holds nothing (acquire and release do
// nothing).
type hostLock struct {
	path, waiting string
	deadline      time.Time

	mu    sync.Mutex // held while waiting, so joiners queue behind the waiter
	ended *sync.Cond // a hold ended
	count int
	lock  *ccci.Lock
}

func newHostLock(lockdir string, deadline time.Time) *hostLock {
	h := &hostLock{path: ccci.RunActivePath(lockdir), waiting: ccci.CIWaitingPath(lockdir), deadline: deadline}
	h.ended = sync.NewCond(&h.mu)
	return h
}

// acquire joins the sweep's exclusive hold, taking it first if no run holds
// it. It returns nil, an error wrapping ccci.ErrDeferred past the
// deadline, or ctx's error. waiting (if not nil) is called once when a CI
// job makes it wait.
func (h *hostLock) acquire(ctx context.Context, waiting func()) error {
	if h == nil { // the Drone executor's runs need none
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for h.count > 0 && h.ciWaiting() {
		h.ended.Wait() // let the hold end, and the CI job in
	}
	if h.count > 0 {
		h.count++
		return nil
	}
	pause := 4 * time.Millisecond
	t := time.NewTimer(0)
	defer t.Stop()
	dl := time.NewTimer(time.Until(h.deadline))
	defer dl.Stop()
	for announced := false; ; {
		blocker := h.waiting // who kept the sweep out, for the deferral's message
		if !h.ciWaiting() {
			blocker = h.path
			l, err := ccci.TryLock(h.path)
			if err == nil {
				h.lock, h.count = l, 1
				return nil
			}
			if !errors.Is(err, ccci.ErrLocked) {
				return fmt.Errorf("locking %s: %w", h.path, err)
			}
		}
		if !announced && waiting != nil && time.Now().Before(h.deadline) {
			waiting()
			announced = true
		}
		t.Reset(pause)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-dl.C:
			return fmt.Errorf("a CI job still holds %s at the defer deadline %s: %w",
				blocker, h.deadline.UTC().Format(time.RFC3339), ccci.ErrDeferred)
		case <-t.C:
		}
		pause = min(2*pause, ccci.DefaultPoll)
	}
}

// ciWaiting reports whether a CI job waits for the lock: it holds the
// waiting lock shared, so an exclusive try fails.
func (h *hostLock) ciWaiting() bool {
	l, err := ccci.TryLock(h.waiting)
	if err != nil {
		return errors.Is(err, ccci.ErrLocked)
	}
	_ = l.Unlock()
	return false
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
	h.ended.Broadcast()
	if err := l.Unlock(); err != nil {
		return fmt.Errorf("unlocking %s: %w", h.path, err)
	}
	return nil
}
