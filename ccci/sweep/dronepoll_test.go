package sweep

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"coopcloud.tech/cc-ci/ccci/drone"
	"coopcloud.tech/cc-ci/internal/proctest"
)

// TestPoller: one list request per interval for every waiting run; a run
// wakes when its build ended, is not listed, or the list failed; the loop
// stops when nobody waits.
func TestPoller(t *testing.T) {
	var calls atomic.Int32
	var mu sync.Mutex
	status := map[int64]string{1: "running", 2: "running", 3: "running"}
	var fail error
	p := newPoller(20*time.Millisecond, func(ctx context.Context, perPage int) ([]*drone.Build, error) {
		calls.Add(1)
		mu.Lock()
		defer mu.Unlock()
		var bs []*drone.Build
		for n, st := range status {
			bs = append(bs, &drone.Build{Number: n, Status: st})
		}
		return bs, fail
	})
	ctx := context.Background()
	woke := make(chan int64, 8)
	for _, n := range []int64{1, 2, 3, 4} {
		go func() {
			if p.wait(ctx, n, time.Minute) {
				woke <- n
			}
		}()
	}
	if n := <-woke; n != 4 { // not listed: wakes at the first list
		t.Fatalf("first woken %d, want 4 (not on the list)", n)
	}
	// Several intervals, in which nothing ends.
	if !proctest.Eventually(proctest.Wait, func() bool { return calls.Load() >= 5 }) {
		t.Fatalf("fewer than 5 list requests in %s", proctest.Wait)
	}
	select {
	case n := <-woke:
		t.Fatalf("woken %d while every listed build runs", n)
	default:
	}
	mu.Lock()
	status[2] = "success"
	mu.Unlock()
	if n := <-woke; n != 2 {
		t.Fatalf("woken %d, want 2 (ended)", n)
	}
	if c := calls.Load(); c > 8 {
		t.Errorf("%d list requests for three waiting runs in 6 intervals or so: want one per interval", c)
	}
	mu.Lock()
	fail = errors.New("503")
	mu.Unlock()
	got := map[int64]bool{<-woke: true, <-woke: true}
	if !got[1] || !got[3] {
		t.Errorf("after a failed list, woken %v, want 1 and 3", got)
	}
	// Nobody waits: the loop stops.
	stopped := proctest.Eventually(proctest.Wait, func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return !p.on
	})
	if !stopped {
		t.Fatal("the poll loop still runs with nobody waiting")
	}
	// A limit or ctx ends a wait too.
	if !p.wait(ctx, 1, 10*time.Millisecond) {
		t.Error("wait past its limit = false, want true")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if p.wait(cctx, 1, time.Minute) {
		t.Error("wait with an ended ctx = true, want false")
	}
}
