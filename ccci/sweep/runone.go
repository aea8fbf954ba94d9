package sweep

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/recipe"
	"coopcloud.tech/cc-ci/internal/proc"
)

// Variables every recipe run gets, beside the [env] environment (and
// CCCI_RUN_LOCK_FD=3, the sweep's run-active lock, and CCCI_CONFIG, the
// sweep's config file, so that a nested cc-ci-run finds both).
// A cc-ci-run in the run command hands them on to its job
// (ccci.SweepRunVars).
const (
	VarAbraDir     = ccci.VarAbraDir     // a fresh directory holding recipes/<recipe>
	VarRecipe      = ccci.VarRecipe      // the recipe's name
	VarVersion     = ccci.VarVersion     // the tag under test
	VarFromVersion = ccci.VarFromVersion // the upgrade base, "" if none
	VarCommit      = ccci.VarCommit      // the tag's commit, checked out
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
	lockf, err := sw.host.acquire(ctx, func(holder error) {
		sw.o.logger().Info("waiting for CI jobs", "recipe", d.Recipe, "lock", holder.Error(), "until", sw.host.deadline)
		sw.progress(Event{Index: sw.next(false), Total: total, Waiting: true, Until: sw.host.deadline, Outcome: out})
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
			sw.o.warn(err)
		}
	}()
	idx := sw.next(true)
	sw.progress(Event{Index: idx, Total: total, Outcome: out})
	res, dir, err := sw.execute(ctx, d, lockf)
	if err != nil {
		out.Verdict, out.RunDir, out.Note = Error, dir, err.Error()
		return out, err
	}
	out.Verdict, out.RunDir, out.Duration, out.Note = res.Verdict, dir, res.Duration, res.Note
	if res.Verdict == Pass {
		out.Promoted, out.Note, err = sw.promote(ctx, d)
		res.Promoted, res.Note = out.Promoted, out.Note
		if werr := WriteResult(dir, res); err == nil {
			err = werr
		}
	}
	if rerr := sw.record(ctx, d, res, dir); err == nil {
		err = rerr
	}
	sw.progress(Event{Index: idx, Total: total, Done: true, Outcome: out})
	return out, err
}

// notStarted is the outcome of a run the sweep did not start: deferred
// when a CI job kept the host past the deadline, else interrupted.
func notStarted(out Outcome, why error) Outcome {
	out.Verdict = Interrupted
	if errors.Is(why, ccci.ErrDeferred) {
		out.Verdict = Deferred
	}
	out.Note = "not started: " + why.Error()
	return out
}

// execute makes the run directory, runs the recipe's test in it and
// writes result.json.
func (sw *sweeper) execute(ctx context.Context, d Decision, lockf *os.File) (*Result, string, error) {
	started := sw.o.now().UTC()
	dir, err := makeRunDir(runsDir(&sw.o.Config.Sweep), d.Recipe, d.To, started)
	if err != nil {
		return nil, "", err
	}
	logf, err := os.OpenFile(filepath.Join(dir, LogFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, dir, fmt.Errorf("opening run log: %w", err)
	}
	defer logf.Close()
	res := &Result{Recipe: d.Recipe, From: d.From, To: d.To, Commit: d.Commit, Started: started,
		Fingerprint: sw.sum.Fingerprint, Log: LogFile, ExitStatus: -1}
	res.Verdict, res.ExitStatus, res.Note = sw.spawn(ctx, d, lockf, logf)
	res.Duration = Duration(sw.o.now().Sub(started).Round(time.Millisecond))
	if res.Note != "" {
		fmt.Fprintf(logf, "cc-ci-sweep: %s: %s\n", res.Verdict, res.Note)
	}
	sw.o.logger().Info("run ended", "recipe", d.Recipe, "to", d.To, "verdict", res.Verdict,
		"exit", res.ExitStatus, "dir", dir)
	return res, dir, WriteResult(dir, res)
}

// spawn checks the recipe out at the tag's commit in a fresh ABRA_DIR and
// runs [sweep] run there, in its own process group, under the timeout.
// It returns the verdict, the exit status (-1 if none) and a note.
func (sw *sweeper) spawn(ctx context.Context, d Decision, lockf, logf *os.File) (Verdict, int, string) {
	cfg := &sw.o.Config.Sweep
	abra, err := os.MkdirTemp("", "cc-ci-abra-")
	if err != nil {
		return Error, -1, err.Error()
	}
	defer os.RemoveAll(abra)
	checkout := filepath.Join(abra, "recipes", d.Recipe)
	if err := os.Mkdir(filepath.Dir(checkout), 0o755); err != nil {
		return Error, -1, err.Error()
	}
	if err := recipe.Clone(ctx, sw.source(d.Recipe), checkout, d.Commit); err != nil {
		return failedStart(ctx, fmt.Errorf("checking out %s at %s: %w", d.To, d.Commit, err))
	}
	runCtx, cancel := context.WithTimeout(ctx, orDefault(cfg.Timeout, ccci.DefaultTimeout))
	defer cancel()
	argv := commandArgv(cfg.Run)
	path, err := sw.env.LookPath(argv[0])
	if err != nil {
		return failedStart(ctx, err)
	}
	// A sweep killed with -9 takes its run's leader with it.
	cmd := proc.Command(runCtx, path, argv, sw.env.Environ(sw.caller()),
		proc.Options{Grace: orDefault(cfg.Grace, ccci.DefaultGrace), ParentDeath: syscall.SIGKILL})
	cmd.Dir = checkout
	cmd.Env = append(cmd.Env, VarAbraDir+"="+abra, VarRecipe+"="+d.Recipe, VarVersion+"="+d.To,
		VarFromVersion+"="+d.From, VarCommit+"="+d.Commit, ccci.RunLockFDEnv+"=3")
	if f := sw.o.Config.File; f != "" {
		// A nested cc-ci-run reads the same declaration.
		cmd.Env = append(cmd.Env, ccci.ConfigEnv+"="+f)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.ExtraFiles = []*os.File{lockf}
	err = sw.runCmd(cmd)
	// Nothing of the run's group outlives it ("sleep 1000 &", say).
	_ = proc.KillGroup(cmd)
	return verdict(ctx, runCtx, err)
}

// verdict classifies how the command ended.
func verdict(ctx, runCtx context.Context, err error) (Verdict, int, string) {
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return Interrupted, -1, "stopped by the sweep's signal"
	case errors.Is(runCtx.Err(), context.DeadlineExceeded):
		return Timeout, -1, "timed out; process group stopped"
	case err == nil:
		return Pass, 0, ""
	case errors.As(err, &exit):
		return Fail, exit.ExitCode(), ""
	}
	return Error, -1, err.Error()
}

func failedStart(ctx context.Context, err error) (Verdict, int, string) {
	if ctx.Err() != nil {
		return Interrupted, -1, err.Error()
	}
	return Error, -1, err.Error()
}

func (sw *sweeper) runCmd(cmd *exec.Cmd) error {
	if sw.o.runCmd != nil {
		return sw.o.runCmd(cmd)
	}
	return cmd.Run()
}

// commandArgv makes a relative command path with a slash absolute against
// the sweep's working directory, since the run's working directory is the
// recipe checkout.
func commandArgv(run []string) []string {
	argv := append([]string(nil), run...)
	if filepath.IsAbs(argv[0]) || filepath.Base(argv[0]) == argv[0] {
		return argv
	}
	if abs, err := filepath.Abs(argv[0]); err == nil {
		argv[0] = abs
	}
	return argv
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func (sw *sweeper) caller() []string {
	if sw.o.Caller != nil {
		return sw.o.Caller
	}
	return os.Environ()
}

// source is where a recipe is cloned from: its local clone, else its
// repository URL.
func (sw *sweeper) source(name string) string {
	for _, in := range sw.inputs {
		if in.Recipe.Name == name {
			if in.Recipe.Dir != "" {
				return in.Recipe.Dir
			}
			return in.Recipe.Repository
		}
	}
	return ""
}

// promote makes d.To the canonical version, then re-reads the state file:
// "promoted" is what the file says, not what Promote returned.
func (sw *sweeper) promote(ctx context.Context, d Decision) (bool, string, error) {
	state := sw.o.Config.Sweep.State
	if ctx.Err() != nil {
		return false, "not promoted: interrupted", nil
	}
	v, err := recipe.Parse(d.To)
	if err != nil {
		return false, "not promoted: " + err.Error(), nil
	}
	if err := Promote(ctx, state, d.Recipe, v, d.Commit, sw.o.now().UTC()); err != nil {
		return false, "not promoted: " + err.Error(), err
	}
	st, err := ReadState(state)
	if err != nil {
		return false, "not promoted: " + err.Error(), err
	}
	rec := st.Recipes[d.Recipe]
	switch {
	case rec == nil:
		return false, "not promoted: no record in " + state, nil
	case rec.Version != d.To || !strings.EqualFold(rec.Commit, d.Commit):
		return false, fmt.Sprintf("not promoted: %s holds %s at %s", state, rec.Version, rec.Commit), nil
	}
	return true, "", nil
}

// record writes the run as the recipe's last result, even after an
// interrupt (with a context of its own).
func (sw *sweeper) record(ctx context.Context, d Decision, res *Result, dir string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	last := Last{Version: d.To, Verdict: res.Verdict, TS: res.Started,
		Log: filepath.Join(dir, LogFile), Duration: res.Duration}
	return RecordLast(ctx, sw.o.Config.Sweep.State, d.Recipe, last)
}
