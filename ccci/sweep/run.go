package sweep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/env"
)

// RunOptions configure one sweep. Config is required; every other field has
// a useful zero value.
type RunOptions struct {
	Config *ccci.Config
	Plan   Options // weekly, -retry-failed, -only

	Sync  bool          // fetch tags first (also when Config.Sweep.Sync)
	Jobs  int           // recipes at a time; 0 = Config.Sweep.Jobs, else 1
	Defer time.Duration // how long to wait for CI jobs; 0 = Config.Sweep.Defer, else 2h

	Getenv func(string) string // for enrolment defaults; nil = os.Getenv
	Caller []string            // the caller's environment, for [env] pass; nil = os.Environ()
	Now    func() time.Time    // nil = time.Now

	Logger   *slog.Logger                   // nil = discard
	Progress func(Event)                    // called as each run starts and ends, one call at a time; nil = none
	Warn     func(error)                    // enrolment, tag and sync problems that do not stop the sweep
	Fetched  func(recipe string, err error) // each -sync fetch as it ends; nil = errors to Warn

	runCmd func(*exec.Cmd) error // test hook around cmd.Run; nil = cmd.Run
}

// Event is one progress report: a run waiting for CI jobs to release the
// run-active lock (Waiting, with Until the defer deadline), starting, or
// ending (Done). Index counts runs from 1 to Total, in the order they start.
type Event struct {
	Index, Total int
	Waiting      bool
	Until        time.Time
	Done         bool
	Outcome      Outcome
}

func (o *RunOptions) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Logger
}

func (o *RunOptions) now() time.Time {
	if o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

func (o *RunOptions) warn(err error) {
	o.logger().Warn(err.Error())
	if o.Warn != nil {
		o.Warn(err)
	}
}

func (o *RunOptions) jobs() int {
	switch {
	case o.Jobs > 0:
		return o.Jobs
	case o.Config.Sweep.Jobs > 0:
		return o.Config.Sweep.Jobs
	}
	return ccci.DefaultJobs
}

func (o *RunOptions) deferFor() time.Duration {
	switch {
	case o.Defer > 0:
		return o.Defer
	case o.Config.Sweep.Defer > 0:
		return o.Config.Sweep.Defer
	}
	return ccci.DefaultDefer
}

// Prepare enrols the recipes, fetches their tags when asked, reads their
// tag names and the state, and plans: what "cc-ci-sweep plan" shows. It
// takes no lock and changes nothing.
func Prepare(ctx context.Context, o *RunOptions) ([]Input, []Decision, error) {
	if o.Config == nil {
		return nil, nil, errors.New("sweep: no config")
	}
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	recipes, skipped, err := Enrol(ctx, &o.Config.Sweep, getenv)
	for _, s := range skipped {
		o.warn(s)
	}
	if err != nil {
		return nil, nil, err
	}
	if o.Sync || o.Config.Sweep.Sync {
		Sync(ctx, recipes, func(name string, err error) {
			o.logger().Info("fetched", "recipe", name, "err", err)
			switch {
			case o.Fetched != nil:
				o.Fetched(name, err)
			case err != nil:
				o.warn(err)
			}
		})
	}
	in, errs := ReadInputs(ctx, recipes, 0) // local I/O: GOMAXPROCS at a time, not Jobs
	for _, e := range errs {
		o.warn(e)
	}
	if unknown := o.Plan.Unknown(in); len(unknown) > 0 {
		return nil, nil, ccci.Usagef("-only names recipes that are not enrolled: %s", strings.Join(unknown, ", "))
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	st, err := ReadState(o.Config.Sweep.State)
	if err != nil {
		return nil, nil, err
	}
	// Peel each canonical tag, so a tag moved since it passed plans as
	// retagged; a recipe whose tag cannot be peeled is planned without.
	if err := PeelCanonical(ctx, in, st); err != nil {
		o.warn(err)
	}
	return in, Plan(in, st, o.Plan), nil
}

// Run is one sweep: it takes the sweep lock, plans, runs what the plan
// says, promotes what passed, and returns the summary.
//
// Locks: <lockdir>/sweep.lock exclusively and without waiting (a second
// sweep gets an error matching ccci.ErrLocked, naming the holder's PID).
// Before each run it polls <lockdir>/run-active.lock, which CI jobs
// (cc-ci-run) hold shared, for an exclusive hold, until the sweep-wide
// deadline start+Defer; past it no further run starts, those recipes get
// verdict deferred and Run returns an error matching ccci.ErrDeferred.
// With Jobs > 1 concurrent runs share one exclusive hold: the first run
// takes it, the last one to end releases it, so CI jobs get the host
// whenever no run of the sweep is active.
//
// Each run: a fresh ABRA_DIR (removed afterwards) holding recipes/<recipe>,
// a clone checked out at the tag's commit; the [sweep] run command built by
// ccci.Command in the [env] environment plus ABRA_DIR, CCCI_RECIPE,
// CCCI_VERSION, CCCI_FROM_VERSION, CCCI_COMMIT, CCCI_CONFIG and
// CCCI_RUN_LOCK_FD=3 (the run-active lock, inherited as descriptor 3, so a
// nested cc-ci-run neither waits for it nor takes it); working directory
// the checkout (a relative command with a slash is made absolute against
// the sweep's own directory first); its own process group, SIGTERM at the
// timeout then SIGKILL after the grace, and SIGKILL to whatever is left
// of the group when it ends; output to <runs>/<recipe>/<started>-<to>/log
// beside result.json (Result, written atomically). Verdicts: pass, fail,
// timeout, error (could not start), interrupted. A pass is promoted, then
// the state file is re-read: Outcome.Promoted is what the file says.
// Every run's result is recorded with RecordLast.
//
// A failing recipe never stops the others; a state or run-directory error
// stops the sweep, and so does ctx (runs stopped through their group,
// recorded interrupted, nothing promoted for them). The error maps to the
// exit code with ccci.ExitCode: nil (ok), ErrFailed (a run did not pass
// and promote), ErrDeferred, ErrInterrupted, ErrLocked, or what stopped it
// (state, config, enrolment, missing tools; then the summary's status is
// "error" and it has no outcomes). After the sweep, [sweep] notify runs
// with the summary, early errors included; its failure goes to Warn. The
// summary is nil only when another sweep holds the lock.
func Run(ctx context.Context, o RunOptions) (*Summary, error) {
	if o.Config == nil {
		return nil, errors.New("sweep: no config")
	}
	cfg := &o.Config.Sweep
	lock, err := lockSweep(lockdir(cfg))
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()

	s := &Summary{Started: o.now().UTC(), Weekly: o.Plan.Weekly, Outcomes: []Outcome{}}
	e, err := env.Resolve(o.Config.Env)
	if err == nil {
		s.Fingerprint = e.Fingerprint()
		o.logger().Info("sweep starting", "fingerprint", s.Fingerprint, "config", o.Config.File)
		err = sweepIn(ctx, &o, e, s)
	}
	s.Finished = o.now().UTC()
	err = finish(s, err)
	if err != nil {
		s.Error = err.Error()
	}
	o.logger().Info("sweep finished", "status", s.Status)
	if werr := WriteSummary(runsDir(cfg), s); werr != nil {
		o.warn(werr) // the board then shows the previous sweep
	}
	if len(cfg.Notify) > 0 {
		// After an interrupt or an early error too: the operator wants to
		// hear about a sweep that tested nothing. A nil e (tools missing)
		// runs notify in the caller's environment.
		if nerr := Notify(context.WithoutCancel(ctx), e, cfg.Notify, s); nerr != nil {
			o.warn(fmt.Errorf("notifying: %w", nerr))
		}
	}
	return s, err
}

// sweepIn plans and runs, filling s.Outcomes.
func sweepIn(ctx context.Context, o *RunOptions, e *env.Env, s *Summary) error {
	if len(o.Config.Sweep.Run) == 0 {
		file := o.Config.File
		if file == "" {
			file = "built-in config"
		}
		return configError{file + ": sweep.run is not set: name the recipe test command"}
	}
	in, ds, err := Prepare(ctx, o)
	if err == nil {
		err = PeelRuns(ctx, in, ds)
	}
	if err != nil {
		return err
	}
	sw := &sweeper{o: o, env: e, inputs: in, sum: s,
		host: newHostLock(lockdir(&o.Config.Sweep), o.now().Add(o.deferFor()))}
	return sw.runAll(ctx, ds)
}

// configError is a config that cannot run a sweep (exit 2).
type configError struct{ msg string }

func (e configError) Error() string        { return e.msg }
func (e configError) Is(target error) bool { return target == ccci.ErrConfig }

func lockdir(cfg *ccci.Sweep) string {
	if cfg.Lockdir == "" {
		return ccci.DefaultLockdir
	}
	return cfg.Lockdir
}

// SummaryFile is the name, inside the runs directory, of the last sweep's
// summary (Summary as JSON), which the status board shows in its header.
const SummaryFile = "last-sweep.json"

// WriteSummary writes s to <runs>/last-sweep.json atomically.
func WriteSummary(runs string, s *Summary) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding sweep summary: %w", err)
	}
	if err := os.MkdirAll(runs, 0o755); err != nil {
		return fmt.Errorf("writing sweep summary: %w", err)
	}
	return writeAtomic(filepath.Join(runs, SummaryFile), append(b, '\n'))
}

// runsDir is [sweep] runs, default "runs" next to the state file.
func runsDir(cfg *ccci.Sweep) string {
	if cfg.Runs != "" {
		return cfg.Runs
	}
	return filepath.Join(filepath.Dir(cfg.State), "runs")
}

// sweeper carries one sweep's shared state between its runs.
type sweeper struct {
	o      *RunOptions
	env    *env.Env
	inputs []Input
	sum    *Summary
	host   *hostLock

	progressMu sync.Mutex // serialises o.Progress

	mu      sync.Mutex
	stopped error // ErrDeferred or ctx error: start nothing more
	started int   // runs started so far, for Event.Index
}

// runAll fills sum.Outcomes in plan order. Skips become "skipped"
// outcomes; runs go through an errgroup limited to jobs. A failing recipe
// returns nil to the group; only infrastructure errors cancel it.
func (sw *sweeper) runAll(ctx context.Context, ds []Decision) error {
	sw.sum.Outcomes = make([]Outcome, len(ds))
	total := 0
	for i, d := range ds {
		sw.sum.Outcomes[i] = Outcome{Decision: d, Verdict: Skipped}
		if d.Action == ActionRun {
			total++
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(sw.o.jobs())
	for i, d := range ds {
		if d.Action != ActionRun {
			continue
		}
		g.Go(func() error {
			out, err := sw.runOne(gctx, d, total)
			sw.sum.Outcomes[i] = out
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

// progress reports ev; concurrent runs report one at a time.
func (sw *sweeper) progress(ev Event) {
	if sw.o.Progress != nil {
		sw.progressMu.Lock()
		defer sw.progressMu.Unlock()
		sw.o.Progress(ev)
	}
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
		if out.Verdict != Pass && out.Verdict != Skipped || out.Verdict == Pass && !out.Promoted {
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
