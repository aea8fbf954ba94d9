package sweep

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
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
	err := sw.host.acquire(ctx, func() {
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
	if err := sw.disk.check(); err != nil {
		if errors.Is(err, ccci.ErrDeferred) { // low disk: start nothing more
			return notStarted(out, sw.stop(err)), nil
		}
		out.Verdict, out.Note = Error, "not started: "+err.Error()
		return out, err
	}
	p := &progress{ev: sw.ev, out: out, index: sw.next(true), total: total, tries: 1 + sw.cfg.Sweep.Retries}
	res, err := sw.execute(ctx, &job{d: d}, p)
	if err != nil {
		out.Verdict, out.RunDir, out.Note = Error, res.Dir, err.Error()
		return out, err
	}
	out.Verdict, out.RunDir, out.Duration, out.Note, out.Tries = res.Verdict, res.Dir, res.Duration, res.Note, res.Tries
	if res.Verdict.Passed() {
		var note string
		out.Promoted, note, err = sw.promote(ctx, d)
		out.Note = joinNotes(out.Note, note)
		res.Promoted, res.Note = out.Promoted, out.Note
		if werr := writeResult(res); err == nil {
			err = werr
		}
	}
	if res.Verdict != Deferred { // a deferral is no result: the next sweep plans the run again
		if rerr := sw.record(ctx, d, res); err == nil {
			err = rerr
		}
	}
	p.out = out
	p.emit(Event{Kind: Finished})
	return out, err
}

func joinNotes(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + "; " + b
}

// notStarted is the outcome of a run the sweep did not start: deferred
// when a CI job kept the host past the deadline (or the disk is low),
// skipped when another run's infrastructure error stopped the sweep, else
// interrupted.
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
// test in it and writes result.json. A try that fails or times out is
// tried again, up to [sweep] retries times, each try in a fresh checkout
// and with a log of its own; a try that passes ends the run (flaky when
// an earlier try failed). Before a retry the disk guard is asked again:
// on low disk the run ends deferred (no verdict, the sweep stops starting
// runs). On error the record's Dir says how far it got.
func (sw *sweeper) execute(ctx context.Context, j *job, p *progress) (*RunRecord, error) {
	d := j.d
	started := time.Now().UTC()
	res := &RunRecord{Recipe: d.Recipe, From: d.From, To: d.To, Commit: d.Commit, Started: started,
		Fingerprint: sw.sum.Fingerprint, Log: logFile, ExitStatus: -1}
	dir, err := sw.runDir(res) // a run a killed sweep left is taken up
	if err != nil {
		return res, err
	}
	res.Dir, j.dir, j.res, started = dir, dir, res, res.Started
	var tries []Attempt
	var low *LowDisk
	for j.attempt = 1; ; j.attempt++ {
		a, err := sw.attempt(ctx, j, p, started)
		if err != nil {
			return res, err
		}
		tries = append(tries, a)
		if !a.Verdict.retried() || j.attempt >= p.tries || ctx.Err() != nil {
			break
		}
		if low = sw.disk.low(); low != nil {
			sw.stop(low)
			break
		}
		failed := p.out
		failed.Verdict, failed.Note = a.Verdict, a.Note
		p.emit(Event{Kind: Retrying, Try: j.attempt + 1, Log: filepath.Join(dir, tryLog(j.attempt+1)), Outcome: failed})
	}
	settle(res, tries, low)
	res.Duration = Duration(time.Since(started).Round(time.Millisecond))
	return res, writeResult(res)
}

// attempt is one try: a log of its own in the run directory, the
// executor, and a Running event every heartbeat while it goes on.
func (sw *sweeper) attempt(ctx context.Context, j *job, p *progress, started time.Time) (Attempt, error) {
	name := tryLog(j.attempt)
	logf, err := os.OpenFile(filepath.Join(j.dir, name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return Attempt{}, fmt.Errorf("opening run log: %w", err)
	}
	defer logf.Close()
	j.log = logf
	if j.attempt == 1 {
		p.emit(Event{Kind: Started, Log: logf.Name()})
	}
	begun := time.Now()
	stop := p.beat(sw.heartbeat, started, j.attempt, logf.Name())
	t := sw.exec.try(ctx, j)
	stop()
	if j.stop != nil { // a host problem the executor found: no verdict
		return Attempt{}, j.stop
	}
	if t.note != "" {
		fmt.Fprintf(logf, "cc-ci-sweep: %s: %s\n", t.verdict, t.note)
	}
	return Attempt{Try: j.attempt, Verdict: t.verdict, ExitStatus: t.exit, Log: name, Note: t.note,
		Duration: Duration(time.Since(begun).Round(time.Millisecond))}, nil
}

// tryLog is the log file of try n: "log", then "log-2", "log-3", ...
func tryLog(n int) string {
	if n <= 1 {
		return logFile
	}
	return logFile + "-" + strconv.Itoa(n)
}

// settle sets the run's verdict from its tries: the last try's, flaky when
// it passed after a failure, deferred when low disk space stopped a retry.
// Tries are kept in the record only when there was more than one, or a
// deferral.
func settle(res *RunRecord, tries []Attempt, low *LowDisk) {
	last := tries[len(tries)-1]
	res.Verdict, res.ExitStatus, res.Note, res.Log = last.Verdict, last.ExitStatus, last.Note, last.Log
	if len(tries) > 1 || low != nil {
		res.Tries = tries
	}
	switch {
	case low != nil:
		res.Verdict = Deferred
		res.Note = fmt.Sprintf("%s on try %d, not tried again: %v", last.Verdict, last.Try, low)
	case len(tries) > 1 && last.Verdict == Pass:
		res.Verdict, res.Note = Flaky, "passed on try "+strconv.Itoa(last.Try)+" after "+triesText(tries[:len(tries)-1])
	case len(tries) > 1 && last.Verdict.retried():
		res.Note = joinNotes(fmt.Sprintf("%s on every try (%d)", last.Verdict, len(tries)), last.Note)
	}
}

// triesText is "fail (exit 1), timeout": how each try ended.
func triesText(tries []Attempt) string {
	parts := make([]string, len(tries))
	for i, a := range tries {
		parts[i] = string(a.Verdict)
		if a.ExitStatus > 0 {
			parts[i] += fmt.Sprintf(" (exit %d)", a.ExitStatus)
		}
	}
	return strings.Join(parts, ", ")
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
		Log: filepath.Join(res.Dir, res.Log), Duration: res.Duration}
	return recordLast(ctx, sw.cfg.Sweep.State, d.Recipe, last)
}
