package sweep

import (
	"context"
	"sync"
	"time"

	"coopcloud.tech/cc-ci/ccci/drone"
)

// poller lets the runs waiting on Drone builds share one request per poll
// interval, however many are in flight: every [drone] poll (jittered) it
// lists the repository's newest builds, and wakes each run whose build has
// ended, or is not on the page, or when the list failed; the run then
// reads its build itself. Its loop runs only while a run waits. Its zero
// value is not usable; make it with newPoller.
type poller struct {
	list  func(ctx context.Context, perPage int) ([]*drone.Build, error)
	every time.Duration

	mu   sync.Mutex
	subs map[int64]chan struct{} // build number -> closed to wake its run
	on   bool                    // the loop runs
}

func newPoller(every time.Duration, list func(ctx context.Context, perPage int) ([]*drone.Build, error)) *poller {
	return &poller{list: list, every: every, subs: map[int64]chan struct{}{}}
}

// wait blocks until the list says build number may have ended, or limit
// passes (true), or ctx ends (false).
func (p *poller) wait(ctx context.Context, number int64, limit time.Duration) bool {
	if limit <= 0 {
		return ctx.Err() == nil
	}
	ch := make(chan struct{})
	p.mu.Lock()
	p.subs[number] = ch
	if !p.on {
		p.on = true
		go p.loop()
	}
	p.mu.Unlock()
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	p.mu.Lock()
	if p.subs[number] == ch {
		delete(p.subs, number)
	}
	p.mu.Unlock()
	return ctx.Err() == nil
}

// loop lists the builds every jittered interval while runs wait.
func (p *poller) loop() {
	for {
		time.Sleep(jitter(p.every))
		p.mu.Lock()
		n := len(p.subs)
		if n == 0 {
			p.on = false
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
		builds, err := p.list(ctx, min(100, 2*n+25))
		cancel()
		p.wake(builds, err)
	}
}

// wake wakes the runs whose build the list shows ended or does not show,
// and every run when the list failed.
func (p *poller) wake(builds []*drone.Build, err error) {
	status := make(map[int64]string, len(builds))
	for _, b := range builds {
		status[b.Number] = b.Status
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for number, ch := range p.subs {
		if st, ok := status[number]; err != nil || !ok || drone.Done(st) {
			close(ch)
			delete(p.subs, number)
		}
	}
}
