package sweep

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/recipe"
)

// recordTimeout bounds the state writes made after an interrupt.
const recordTimeout = 30 * time.Second

// runOne runs one planned recipe and returns its outcome. The error is
// non-nil only for infrastructure failures (run directory, state file),
// which stop the sweep; a failing recipe is an outcome, not an error.
func (sw *sweeper) runOne(ctx context.Context, d Decision, total int) (Outcome, error) {
	out := Outcome{Decision: d}
	if err := sw.stoppedErr(); err != nil {
		return notStarted(out, err), nil
	}
	if err := ctx.Err(); err != nil {
		return notStarted(out, err), nil
	}
	lockf, err := sw.host.acquire(ctx, func() {
		sw.ev.emit(Event{Kind: Waiting, Recipe: d.Recipe, Index: sw.next(false), Total: total, Until: sw.host.deadline, Outcome: out})
	})
	if err != nil {
		if errors.Is(err, ccci.ErrDeferred) || ctx.Err() != nil {
			return notStarted(out, sw.stop(err)), nil
		}
		out.Verdict, out.Note = Error, "not started: "+err.Error()
		return out, err
	}
	defer func() {
		if err := sw.host.release(); err != nil {
			sw.ev.warn(err)
		}
	}()
	idx := sw.next(true)
	sw.ev.emit(Event{Kind: Started, Recipe: d.Recipe, Index: idx, Total: total, Outcome: out})
	res, err := sw.execute(ctx, &job{d: d, lock: lockf})
	if err != nil {
		out.Verdict, out.RunDir, out.Note = Error, res.Dir, err.Error()
		return out, err
	}
	out.Verdict, out.RunDir, out.Duration, out.Note = res.Verdict, res.Dir, res.Duration, res.Note
	if res.Verdict == Pass {
		out.Promoted, out.Note, err = sw.promote(ctx, d)
		res.Promoted, res.Note = out.Promoted, out.Note
		if werr := writeResult(res); err == nil {
			err = werr
		}
	}
	if rerr := sw.record(ctx, d, res); err == nil {
		err = rerr
	}
	sw.ev.emit(Event{Kind: Finished, Recipe: d.Recipe, Index: idx, Total: total, Outcome: out})
	return out, err
}

// notStarted is the outcome of a run the sweep did not start: deferred
// when a CI job kept the host past the deadline, skipped when another
// run's infrastructure error stopped the sweep, else interrupted.
func notStarted(out Outcome, why error) Outcome {
	var h *halted
	switch {
	case errors.Is(why, ccci.ErrDeferred):
		out.Verdict = Deferred
	case errors.As(why, &h):
		out.Verdict = Skipped
	default:
		out.Verdict = Interrupted
	}
	out.Note = "not started: " + why.Error()
	return out
}

// execute makes the run directory, has the executor run the recipe's
// test in it and writes result.json. On error the record's Dir says how
// far it got.
func (sw *sweeper) execute(ctx context.Context, j *job) (*RunRecord, error) {
	d := j.d
	res := &RunRecord{Recipe: d.Recipe, From: d.From, To: d.To, Commit: d.Commit, Started: time.Now().UTC(),
		Fingerprint: sw.sum.Fingerprint, Log: logFile, ExitStatus: -1}
	dir, err := sw.runDir(res) // a run a killed sweep left is taken up
	if err != nil {
		return res, err
	}
	res.Dir, j.dir, j.res = dir, dir, res
	logf, err := os.OpenFile(filepath.Join(dir, logFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return res, fmt.Errorf("opening run log: %w", err)
	}
	defer logf.Close()
	j.log = logf
	t := sw.exec.try(ctx, j)
	if j.stop != nil {
		return res, j.stop
	}
	res.Verdict, res.ExitStatus, res.Note = t.verdict, t.exit, t.note
	res.Duration = Duration(time.Since(res.Started).Round(time.Millisecond))
	if res.Note != "" {
		fmt.Fprintf(logf, "cc-ci-sweep: %s: %s\n", res.Verdict, res.Note)
	}
	return res, writeResult(res)
}

// promote makes d.To the canonical version, then re-reads the state file:
// "promoted" is what the file says, not what the write returned. It never
// goes back past a canonical version that changed during the run.
func (sw *sweeper) promote(ctx context.Context, d Decision) (bool, string, error) {
	path := sw.cfg.Sweep.State
	if ctx.Err() != nil {
		return false, "not promoted: interrupted", nil
	}
	v, err := recipe.Parse(d.To)
	if err != nil {
		return false, "not promoted: " + err.Error(), nil
	}
	var planned string
	if rec := sw.gathered.state.record(d.Recipe); rec != nil {
		planned = rec.Version
	}
	_, err = writeCanonical(ctx, path, d.Recipe, v, d.Commit, StatusPass, time.Now(), notBackPast(planned, v))
	var moved *movedError
	switch {
	case errors.As(err, &moved):
		return false, "not promoted: " + err.Error(), nil
	case err != nil:
		return false, "not promoted: " + err.Error(), err
	}
	st, err := readState(path)
	if err != nil {
		return false, "not promoted: " + err.Error(), err
	}
	rec := st.record(d.Recipe)
	switch {
	case rec == nil:
		return false, "not promoted: no record in " + path, nil
	case rec.Version != d.To || !strings.EqualFold(rec.Commit, d.Commit):
		return false, fmt.Sprintf("not promoted: %s holds %s at %s", path, rec.Version, rec.Commit), nil
	}
	return true, "", nil
}

// record writes the run as the recipe's last result, even after an
// interrupt (with a context of its own).
func (sw *sweeper) record(ctx context.Context, d Decision, res *RunRecord) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	last := Last{Version: d.To, Verdict: res.Verdict, TS: res.Started,
		Log: filepath.Join(res.Dir, logFile), Duration: res.Duration}
	return recordLast(ctx, sw.cfg.Sweep.State, d.Recipe, last)
}
