package sweep

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/recipe"
	"coopcloud.tech/cc-ci/internal/proc"
)

// killedNote is the note of a run whose sweep was killed while it ran
// (SIGKILL, a crash, the host going down): the next sweep writes its
// result, verdict interrupted.
const killedNote = "interrupted (sweep killed)"

// takeOver makes this process the subreaper of its runs' processes (so
// that what a run's children leave behind comes back to the sweep, not to
// init), then cleans up after sweeps that were killed: their runs'
// processes are ended (ccci.ReapDead), each run directory they left
// without result.json gets one saying killedNote, and their temporary
// ABRA_DIRs are removed. It runs under the sweep lock. Problems are
// warnings: they stop no sweep.
func takeOver(ctx context.Context, cfg *ccci.Config, ev *events) {
	if err := proc.Subreaper(); err != nil {
		ev.warn(err)
	}
	dead, err := ccci.ReapDead(cfg.Sweep.Lockdir)
	if err != nil {
		ev.warn(err)
	}
	for _, r := range dead {
		if err := settleKilled(ctx, cfg.Sweep.State, r); err != nil {
			ev.warn(fmt.Errorf("run %s of a killed sweep: %w", r.ID, err))
			continue
		}
		ev.warn(fmt.Errorf("a killed sweep (PID %d) left the run of %s %s: its processes are ended, it is recorded %s",
			r.Sweep.PID(), r.Recipe, r.Version, killedNote))
		if err := r.Forget(cfg.Sweep.Lockdir); err != nil {
			ev.warn(err)
		}
	}
	for _, p := range ccci.RemoveStaleEntries(cfg.Sweep.Lockdir) {
		ev.warn(fmt.Errorf("removed %s: not an active-run entry cc-ci wrote", p))
	}
}

// settleKilled writes the result of a run its sweep left, unless it has
// one, records it as the recipe's last result unless a later run is, and
// removes the run's ABRA_DIR.
func settleKilled(ctx context.Context, statePath string, r *ccci.ActiveRun) error {
	var errs []error
	if r.Abra != "" && filepath.Base(r.Abra) == abraPrefix+r.ID {
		errs = append(errs, os.RemoveAll(r.Abra))
	}
	if r.RunDir == "" {
		return errors.Join(errs...)
	}
	_, err := os.Stat(filepath.Join(r.RunDir, resultFile))
	switch {
	case err == nil: // the sweep finished the run before it died
	case errors.Is(err, fs.ErrNotExist):
		if _, derr := os.Stat(r.RunDir); derr != nil {
			break // retention removed it meanwhile
		}
		res := &RunRecord{Recipe: r.Recipe, To: r.Version, Commit: r.Commit, Started: r.Started,
			Dir: r.RunDir, Log: logFile, Verdict: Interrupted, ExitStatus: -1, Note: killedNote}
		errs = append(errs, writeResult(res), recordKilled(ctx, statePath, res))
	default:
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// recordKilled makes a killed run the recipe's last result, unless the
// state already holds a later one.
func recordKilled(ctx context.Context, path string, res *RunRecord) error {
	if recipe.ValidName(res.Recipe) != nil {
		return nil
	}
	last := Last{Version: res.To, Verdict: res.Verdict, TS: res.Started.UTC(), Log: filepath.Join(res.Dir, res.Log)}
	return updateState(ctx, path, func(st *state) error {
		if r := st.record(res.Recipe); r != nil && r.Last != nil && !r.Last.TS.Before(last.TS) {
			return nil
		}
		st.edit(res.Recipe).Last = &last
		return nil
	})
}
