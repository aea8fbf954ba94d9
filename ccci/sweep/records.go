package sweep

import (
	"context"
	"errors"
	"fmt"
	"time"

	"coopcloud.tech/cc-ci/ccci"
)

// metricsGatherTimeout bounds reading the recipes again for the metrics
// of a sweep that stopped before it read them.
const metricsGatherTimeout = 30 * time.Second

// keepRecords writes what outlives a sweep that held the sweep lock,
// whatever its end: the summary for the board (with the low-disk
// deferral and the last time a sweep ended ok), retention of the run
// directories (every run has ended by now), and the metrics file. err is
// what ended the sweep. Problems are Warning events: they never change
// the sweep's result.
func keepRecords(ctx context.Context, cfg *ccci.Config, ev *events, g *gathered, s *Summary, err error) {
	errors.As(err, &s.LowDisk)
	prev, perr := readSummary(cfg.Sweep.Runs)
	if perr != nil {
		ev.warn(perr)
	}
	s.LastOK = lastOK(prev, s)
	if werr := writeSummary(cfg.Sweep.Runs, s); werr != nil {
		ev.warn(werr) // the board then shows the previous sweep
	}
	st, serr := readState(cfg.Sweep.State) // with this sweep's promotions
	if serr == nil {
		r := &retention{runs: cfg.Sweep.Runs, keep: cfg.Sweep.Keep, st: st,
			quiet: cfg.Sweep.Timeout + cfg.Sweep.Grace, now: time.Now()}
		_, errs := r.retain()
		for _, e := range errs {
			ev.warn(e)
		}
	}
	if cfg.Sweep.Metrics == "" {
		return
	}
	in := &metricsInput{sum: s, minFree: cfg.Sweep.MinFree, st: st}
	switch {
	case g != nil:
		in.enrolled, in.known = g.inputs, true
	case errors.Is(err, ccci.ErrNothingEnrolled):
		in.known = true
	case serr == nil:
		// Stopped before it read the recipes (a missing tool, say): read
		// them now, without fetching, so the per-recipe metrics stay.
		c := *cfg
		c.Sweep.Sync = false
		gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), metricsGatherTimeout)
		if g, gerr := gather(gctx, &c, Options{}, nil); gerr == nil {
			in.enrolled, in.known = g.inputs, true
		}
		cancel()
	}
	if werr := writeMetrics(cfg.Sweep.Metrics, in); werr != nil {
		ev.warn(fmt.Errorf("writing metrics: %w", werr))
	}
}

// lastOK is when a sweep last ended ok: s, or as the previous summary
// says.
func lastOK(prev, s *Summary) time.Time {
	switch {
	case s.Status == "ok":
		return s.Finished
	case prev == nil:
		return time.Time{}
	case !prev.LastOK.IsZero():
		return prev.LastOK
	case prev.Status == "ok": // written before last_ok existed
		return prev.Finished
	}
	return time.Time{}
}
