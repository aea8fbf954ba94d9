package sweep

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/env"
	"coopcloud.tech/cc-ci/ccci/recipe"
	"coopcloud.tech/cc-ci/internal/proc"
)

// job is one run of one planned recipe, as an executor sees it.
type job struct {
	d       Decision
	dir     string   // the run directory
	log     *os.File // the current try's log, in dir
	attempt int      // the current try: 1, then 2, ... with [sweep] retries

	res  *RunRecord // what execute records; an executor may add to it (RunRecord.Drone)
	stop error      // set by an executor: a host problem that stops the sweep, no verdict
}

// try is how one run ended: its verdict, exit status (-1 when none) and a
// note for people.
type try struct {
	verdict Verdict
	exit    int
	note    string
}

// executor runs a job's recipe test and says how it ended. try must end
// when ctx does (verdict interrupted) and never outlive the job: whatever
// it started is stopped when it returns. It is called concurrently, up to
// [sweep] jobs at a time. A job whose try fails or times out may be tried
// again ([sweep] retries): try is called again with the same job, a fresh
// j.log and j.attempt one higher, and must start from a fresh checkout.
type executor interface {
	try(ctx context.Context, j *job) try
}

// localExecutor runs the recipe test on this host: a fresh ABRA_DIR with
// the recipe checked out at the tag's commit, the [sweep] run command in
// the declared environment, in its own process group (and its own cgroup
// where the sweep's is delegated), under the timeout.
type localExecutor struct {
	cfg     *ccci.Config
	env     *env.Env
	sources func(name string) string // where a recipe is cloned from
	self    proc.ID                  // the sweep's process

	mu      sync.Mutex   // guards leaders, and is held while starting one
	leaders map[int]bool // the PIDs of the runs' first processes, until waited for
}

// try checks the recipe out at the tag's commit in a fresh ABRA_DIR and
// runs [sweep] run there. The run is recorded in the lock directory
// (ccci.ActiveRun) before anything of it exists, so that if the sweep is
// killed the next sweep or cc-ci-run ends what it left; when it returns,
// every process of the run is gone: its cgroup's, its group's, and those
// marked with its CCCI_RUN_ID.
func (l *localExecutor) try(ctx context.Context, j *job) (t try) {
	d, cfg := j.d, &l.cfg.Sweep
	run := &ccci.ActiveRun{ID: newRunID(), Sweep: l.self, Started: time.Now().UTC(), RunDir: j.dir,
		Recipe: d.Recipe, Version: d.To, Commit: d.Commit}
	run.Abra = filepath.Join(os.TempDir(), abraPrefix+run.ID)
	cg, err := proc.PlanCgroup("cc-ci-run-" + run.ID)
	if err == nil {
		run.Cgroup = cg.Dir
	}
	if err := run.Register(cfg.Lockdir); err != nil {
		j.stop = hostError("lock directory "+cfg.Lockdir, err)
		return try{Error, -1, err.Error()}
	}
	if cg != nil && cg.Make() != nil {
		cg, run.Cgroup = nil, ""
	}
	defer func() {
		if err := l.end(run); err != nil {
			fmt.Fprintf(j.log, "cc-ci-sweep: %v\n", err)
			t.note = joinNotes(t.note, err.Error())
		}
	}()
	if err := os.Mkdir(run.Abra, 0o700); err != nil {
		return try{Error, -1, err.Error()}
	}
	checkout := filepath.Join(run.Abra, "recipes", d.Recipe)
	if err := os.Mkdir(filepath.Dir(checkout), 0o755); err != nil {
		return try{Error, -1, err.Error()}
	}
	if err := recipe.Clone(ctx, l.sources(d.Recipe), checkout, d.Commit); err != nil {
		return failedStart(ctx, fmt.Errorf("checking out %s at %s: %w", d.To, d.Commit, err))
	}
	runCtx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	path, err := l.env.LookPath(cfg.Run[0])
	if err != nil {
		return failedStart(ctx, err)
	}
	// A sweep killed with -9 takes its run's leader with it.
	cmd := proc.Command(runCtx, path, cfg.Run, l.env.Environ(os.Environ()), proc.Options{Grace: cfg.Grace, ParentDeath: syscall.SIGKILL})
	cmd.Dir = checkout
	cmd.Env = append(cmd.Env, ccci.VarAbraDir+"="+run.Abra, ccci.VarRecipe+"="+d.Recipe, ccci.VarVersion+"="+d.To,
		ccci.VarFromVersion+"="+d.From, ccci.VarCommit+"="+d.Commit,
		ccci.VarRunID+"="+run.ID, ccci.RunLockEnv+"="+string(l.self))
	if f := l.cfg.File; f != "" {
		// A nested cc-ci-run reads the same declaration.
		cmd.Env = append(cmd.Env, ccci.ConfigEnv+"="+f)
	}
	cmd.Stdout, cmd.Stderr = j.log, j.log
	if err := l.start(cmd, cg); err != nil {
		return failedStart(ctx, err)
	}
	defer l.waited(cmd)
	run.Leader = proc.IDOfPID(cmd.Process.Pid)
	if err := run.Register(cfg.Lockdir); err != nil {
		fmt.Fprintf(j.log, "cc-ci-sweep: %v\n", err)
	}
	return verdict(ctx, runCtx, cmd.Wait())
}

// start starts cmd, in cg when not nil, and counts it among the leaders
// until waited is called: ReapOrphans must not wait for it.
func (l *localExecutor) start(cmd *exec.Cmd, cg *proc.Cgroup) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var err error
	if cg != nil {
		err = cg.Start(cmd)
	} else {
		err = cmd.Start()
	}
	if err == nil {
		if l.leaders == nil {
			l.leaders = map[int]bool{}
		}
		l.leaders[cmd.Process.Pid] = true
	}
	return err
}

// waited ends start's tracking of cmd, once cmd.Wait has returned.
func (l *localExecutor) waited(cmd *exec.Cmd) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.leaders, cmd.Process.Pid)
}

// newRunID returns a fresh run ID: 16 hex digits from crypto/rand (in
// this package, not ccci: cc-ci-run, which links ccci, makes none and
// would pay crypto/rand's init at every start).
func newRunID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // never fails on Linux
	return hex.EncodeToString(b)
}

// abraPrefix begins the name of a run's temporary ABRA_DIR.
const abraPrefix = "cc-ci-abra-"

// end stops whatever is left of the run ("sleep 1000 &", a daemon that
// called setsid) and removes its ABRA_DIR, then its entry. A run whose
// processes could not all be ended keeps its entry: once this sweep is
// gone, the next one tries again.
func (l *localExecutor) end(run *ccci.ActiveRun) error {
	err := run.Kill()
	// Orphans of any run that exited by themselves are zombies of the
	// sweep (their subreaper) until waited for.
	l.mu.Lock()
	proc.ReapOrphans(func(pid int) bool { return l.leaders[pid] })
	l.mu.Unlock()
	err = errors.Join(err, os.RemoveAll(run.Abra))
	if err != nil {
		return fmt.Errorf("cleaning up after the run: %w", err)
	}
	return run.Forget(l.cfg.Sweep.Lockdir)
}

// verdict classifies how the command ended.
func verdict(ctx, runCtx context.Context, err error) try {
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return try{Interrupted, -1, "stopped by the sweep's signal"}
	case errors.Is(runCtx.Err(), context.DeadlineExceeded):
		return try{Timeout, -1, "timed out; process group stopped"}
	case err == nil:
		return try{Pass, 0, ""}
	case errors.As(err, &exit):
		return try{Fail, exit.ExitCode(), ""}
	}
	return try{Error, -1, err.Error()}
}

// failedStart is a run that could not start: interrupted when ctx ended.
func failedStart(ctx context.Context, err error) try {
	if ctx.Err() != nil {
		return try{Interrupted, -1, err.Error()}
	}
	return try{Error, -1, err.Error()}
}

// source is where a recipe is cloned from: its local clone, else its
// repository URL.
func (g *gathered) source(name string) string {
	in := g.find(name)
	switch {
	case in == nil:
		return ""
	case in.recipe.Dir != "":
		return in.recipe.Dir
	}
	return in.recipe.Repository
}
