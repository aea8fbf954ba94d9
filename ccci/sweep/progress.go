package sweep

import (
	"sync"
	"time"
)

// progress reports one recipe run's events: its start (naming the log to
// tail -f), a Running line every heartbeat while a try goes on, each
// retry, and its end.
type progress struct {
	ev           *events
	out          Outcome // the decision while the run goes on; the outcome at the end
	index, total int
	tries        int // at most, 1 + [sweep] retries
}

// emit sends ev with the run's recipe and place filled in, and its
// outcome unless ev has one.
func (p *progress) emit(ev Event) {
	ev.Recipe, ev.Index, ev.Total = p.out.Recipe, p.index, p.total
	if ev.Outcome.Recipe == "" {
		ev.Outcome = p.out
	}
	if ev.Tries == 0 {
		ev.Tries = p.tries
	}
	p.ev.emit(ev)
}

// beat emits a Running event every period until the returned function is
// called; that function returns once no further event can come.
func (p *progress) beat(period time.Duration, started time.Time, try int, log string) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				p.emit(Event{Kind: Running, Elapsed: now.Sub(started), Try: try, Log: log})
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}
