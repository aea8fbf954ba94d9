package sweep

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

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
	lock    *os.File // the sweep's run-active lock, for the local run's child
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
// the declared environment, in its own process group, under the timeout.
type localExecutor struct {
	cfg     *ccci.Config
	env     *env.Env
	sources func(name string) string // where a recipe is cloned from
}

// try checks the recipe out at the tag's commit in a fresh ABRA_DIR and
// runs [sweep] run there.
func (l *localExecutor) try(ctx context.Context, j *job) try {
	d, cfg := j.d, &l.cfg.Sweep
	abra, err := os.MkdirTemp("", "cc-ci-abra-")
	if err != nil {
		return try{Error, -1, err.Error()}
	}
	defer os.RemoveAll(abra)
	checkout := filepath.Join(abra, "recipes", d.Recipe)
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
	cmd.Env = append(cmd.Env, ccci.VarAbraDir+"="+abra, ccci.VarRecipe+"="+d.Recipe, ccci.VarVersion+"="+d.To,
		ccci.VarFromVersion+"="+d.From, ccci.VarCommit+"="+d.Commit, ccci.RunLockFDEnv+"=3")
	if f := l.cfg.File; f != "" {
		// A nested cc-ci-run reads the same declaration.
		cmd.Env = append(cmd.Env, ccci.ConfigEnv+"="+f)
	}
	cmd.Stdout, cmd.Stderr = j.log, j.log
	cmd.ExtraFiles = []*os.File{j.lock}
	err = cmd.Run()
	// Nothing of the run's group outlives it ("sleep 1000 &", say).
	_ = proc.KillGroup(cmd)
	return verdict(ctx, runCtx, err)
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
