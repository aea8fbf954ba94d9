package sweep

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/env"
	"coopcloud.tech/cc-ci/internal/proc"
)

// Run is one sweep: it takes the sweep lock, plans (as Plan does), runs
// what the plan says, promotes what passed, records every result, and
// returns the summary.
//
// Locks: <lockdir>/sweep.lock exclusively and without waiting (a second
// sweep gets an error matching ccci.ErrLocked, naming the holder's PID).
// Before each run it waits for <lockdir>/run-active.lock, which CI jobs
// (cc-ci-run) hold shared, up to the sweep-wide deadline start + defer;
// past it no further run starts, those recipes get verdict deferred and
// Run returns an error matching ccci.ErrDeferred. Concurrent runs (jobs >
// 1) share one exclusive hold: the first takes it, the last to end
// releases it. A CI job waiting when a hold ends goes first (it holds
// <lockdir>/ci-waiting.lock shared while it waits). The lock's descriptor
// never leaves this process.
//
// Run makes the process the child subreaper of its runs (a process-wide
// setting), and first cleans up after sweeps that were killed (their
// runs' processes, temporary directories and missing results).
//
// Each run: a fresh ABRA_DIR (removed afterwards) holding
// recipes/<recipe>, a clone checked out at the tag's commit (in-process:
// no program is started for it); the [sweep] run command in the [env]
// environment plus the variables ccci.SweepRunVars names; its own process
// group (and cgroup, where the sweep's is delegated), SIGTERM at the
// timeout then SIGKILL after the grace; when it ends, SIGKILL to whatever
// is left of its cgroup, group, descendants and processes marked with its
// CCCI_RUN_ID; its output in <runs>/<recipe>/<started>-<to>/log beside
// result.json.
// Verdicts: pass, fail, timeout, error (could not start, or the recipe's
// tags could not be read), interrupted. A pass is promoted, then the state
// file is re-read: Outcome.Promoted is what the file says. Every run's
// result is recorded as the recipe's last result.
//
// A failing recipe never stops the others; a state or run-directory error
// stops the sweep, and so does ctx (runs stopped through their group,
// recorded interrupted, nothing promoted for them). The error maps to the
// exit code with ccci.ExitCode: nil (ok), ccci.ErrFailed (a run did not
// pass and promote), ccci.ErrDeferred, ccci.ErrInterrupted, ccci.ErrLocked,
// or what stopped it (state, config, enrolment, missing tools; then the
// summary's status is "error" and it has no outcomes). After the sweep,
// [sweep] notify runs with the summary, early errors included; its failure
// is a Warning event. The summary is nil only when another sweep holds the
// lock or cfg is nil.
func Run(ctx context.Context, cfg *ccci.Config, opts Options) (*Summary, error) {
	if cfg == nil {
		return nil, errors.New("sweep: no config")
	}
	lock, err := lockSweep(cfg.Sweep.Lockdir)
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()

	ev := newEvents(opts.Events)
	takeOver(ctx, cfg, ev)
	s := &Summary{Started: time.Now().UTC(), Weekly: opts.Weekly, Outcomes: []Outcome{}}
	var g *gathered
	e, err := env.Resolve(cfg.Env)
	if err == nil {
		s.Fingerprint = e.Fingerprint()
		g, err = sweepIn(ctx, cfg, opts, ev, e, s)
	}
	s.Finished = time.Now().UTC()
	err = finish(s, err)
	if err != nil {
		s.Error = err.Error()
	}
	keepRecords(ctx, cfg, ev, g, s, err)
	if len(cfg.Sweep.Notify) > 0 {
		// After an interrupt or an early error too: the operator wants to
		// hear about a sweep that tested nothing. A nil e (tools missing)
		// runs notify in the caller's environment.
		if nerr := notify(context.WithoutCancel(ctx), e, cfg.Sweep.Notify, s); nerr != nil {
			ev.warn(fmt.Errorf("notifying: %w", nerr))
		}
	}
	return s, err
}

// sweepIn plans and runs, filling s.Outcomes. It returns what it
// gathered, nil when that failed.
func sweepIn(ctx context.Context, cfg *ccci.Config, opts Options, ev *events, e *env.Env, s *Summary) (*gathered, error) {
	dx, err := droneFor(cfg, s.Fingerprint)
	if err != nil {
		return nil, err
	}
	g, err := gather(ctx, cfg, opts, ev)
	if err != nil {
		return nil, err
	}
	if err := preflight(ctx, cfg, e); err != nil {
		return g, err
	}
	ds := g.decide(opts)
	unpeeled := peelRuns(ctx, g.inputs, ds)
	deferFor := orConfig(opts.Defer, cfg.Sweep.Defer)
	sw := &sweeper{cfg: cfg, ev: ev, gathered: g, sum: s, unpeeled: unpeeled,
		exec: &localExecutor{cfg: cfg, env: e, sources: g.source, self: proc.Self()},
		host: newHostLock(cfg.Sweep.Lockdir, time.Now().Add(deferFor)),
		disk: newDiskGuard(&cfg.Sweep), heartbeat: orConfig(opts.Heartbeat, DefaultHeartbeat)}
	jobs := max(opts.Jobs, 0)
	if dx != nil { // Drone runs leave this host alone: no host lock
		sw.exec, sw.host, jobs = dx, nil, orConfig(jobs, cfg.Drone.Capacity)
	}
	return g, sw.runAll(ctx, ds, jobs)
}

// orConfig is the per-call override when set, else the config's value.
func orConfig[T int | time.Duration](override, config T) T {
	if override > 0 {
		return override
	}
	return config
}

// sweeper carries one sweep's shared state between its runs.
type sweeper struct {
	cfg      *ccci.Config
	ev       *events
	exec     executor
	gathered *gathered
	sum      *Summary
	host     *hostLock
	unpeeled map[string]error // run decisions whose tag could not be peeled

	disk      *diskGuard    // free space before each run and retry
	heartbeat time.Duration // how often a run still going is reported

	mu      sync.Mutex
	stopped error // ErrDeferred or ctx error: start nothing more
	started int   // runs started so far, for Event.Index
}

// runAll fills sum.Outcomes in plan order. Skips become "skipped"
// outcomes (unreadable recipes "error"); runs go through an errgroup
// limited to jobs. A failing recipe returns nil to the group; only
// infrastructure errors cancel it.
func (sw *sweeper) runAll(ctx context.Context, ds []Decision, jobs int) error {
	sw.sum.Outcomes = make([]Outcome, len(ds))
	total := 0
	for i, d := range ds {
		out := Outcome{Decision: d, Verdict: Skipped}
		switch err := sw.unpeeled[d.Recipe]; {
		case d.Reason == Unreadable:
			out.Verdict, out.Note = Error, "not run: its tags could not be read"
		case d.Action == ActionRun && err != nil:
			out.Verdict, out.Note = Error, "not started: "+err.Error()
		case d.Action == ActionRun:
			total++
		}
		sw.sum.Outcomes[i] = out
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(orConfig(jobs, sw.cfg.Sweep.Jobs))
	for i, d := range ds {
		if d.Action != ActionRun || sw.unpeeled[d.Recipe] != nil {
			continue
		}
		g.Go(func() error {
			out, err := sw.runOne(gctx, d, total)
			sw.sum.Outcomes[i] = out
			if err != nil {
				sw.stop(&halted{err}) // before the group cancels the others
			}
			return err
		})
	}
	err := g.Wait()
	if err == nil {
		err = ctx.Err()
	}
	if err == nil {
		err = sw.stoppedErr()
	}
	return err
}

// halted is an infrastructure error (state file, run directory) that
// stopped the sweep: the runs it kept from starting are skipped because
// of it, not interrupted.
type halted struct{ err error }

func (h *halted) Error() string { return "the sweep stopped: " + h.err.Error() }

// stop records why no further run may start; the first reason wins.
func (sw *sweeper) stop(err error) error {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if sw.stopped == nil {
		sw.stopped = err
	}
	return sw.stopped
}

// next numbers the run about to start (count true) or about to wait.
func (sw *sweeper) next(count bool) int {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if count {
		sw.started++
		return sw.started
	}
	return sw.started + 1
}

func (sw *sweeper) stoppedErr() error {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	return sw.stopped
}

// finish sets s.Status from the outcomes and the error that ended the
// sweep, and returns the error the caller maps to an exit code.
func finish(s *Summary, err error) error {
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, ccci.ErrInterrupted):
		s.Status = "interrupted"
		return fmt.Errorf("sweep interrupted: %w", ccci.ErrInterrupted)
	case errors.Is(err, ccci.ErrDeferred):
		s.Status = "deferred"
		return err
	case err != nil:
		s.Status = "error"
		return err
	}
	failed, runs := 0, 0
	for _, out := range s.Outcomes {
		if out.Verdict != Skipped {
			runs++
		}
		if !out.Verdict.Passed() && out.Verdict != Skipped || out.Verdict.Passed() && !out.Promoted {
			failed++
		}
	}
	if failed > 0 {
		s.Status = "failed"
		return fmt.Errorf("%d of %d recipe runs did not pass and promote: %w", failed, runs, ccci.ErrFailed)
	}
	s.Status = "ok"
	return nil
}
