package sweep

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/drone"
)

// The Drone executor ([sweep] executor = "drone") hands each planned run
// to Drone as a build of the [drone] repository's custom-event pipeline
// and waits for it; plan, state, promotion, run records and the board are
// the same as for local runs.
//
//   - Dispatch: POST .../builds?branch=&CCCI_RECIPE=&CCCI_VERSION=&
//     CCCI_FROM_VERSION=&CCCI_COMMIT=&CCCI_SWEEP=&CCCI_FINGERPRINT=. Until
//     one dispatch has worked, dispatches go one at a time, so that a
//     refused token (401, 403), an unknown repository (404) or a pipeline
//     that matches nothing (null) stops the sweep before a second one:
//     exit 3, no verdict for any recipe.
//   - At most [drone] capacity runs are in flight (the sweep's job limit).
//   - Waiting: one GET .../builds?per_page= every [drone] poll, jittered by
//     ±50%, for all the builds in flight (poller); a run reads its own
//     build (GET .../builds/{n}) when the list shows it ended or cannot
//     show it. Nothing else runs meanwhile.
//   - 5xx answers and dropped connections are retried with a backoff
//     (0.5 s doubling to 30 s, jittered) until the run's deadline; a
//     server down past it makes the run an error, never a fail. A create
//     whose answer was lost is looked up by its CCCI_SWEEP parameter in
//     the build list before it is sent again.
//   - Verdicts: success is a pass; failure a fail with the failed step's
//     exit status, except a step that exited 3 after cc-ci-run printed
//     ccci.ParityRefusal (the runner's environment differs: an error);
//     killed (by someone else), error, declined and skipped are errors
//     with Drone's reason. A build not finished [sweep] timeout after its
//     run started (pending, running or awaiting approval) is cancelled and
//     times out. A sweep interrupted cancels the builds it waits on.
//   - Records: the run directory gets drone.json (server, repository, run
//     id, build number and link: written before the sweep waits; a retry
//     is a build of its own, in drone-2.json, ...), the build's logs (every
//     step's, headed by its name) in the try's log, and result.json with
//     the last try's build in RunRecord.Drone.
//   - Exactly once: a run directory left by a killed sweep (drone.json,
//     and no result recorded in the state file since) is taken up again by
//     the next sweep that plans the same recipe and tag: it re-attaches to
//     the build (or collects its result) instead of dispatching again.
//   - The run-active lock is about the sweep's own host, where Drone runs
//     nothing for it: the Drone executor neither takes it nor waits for
//     CI jobs ([sweep] defer does not apply). A runner host's cc-ci-run
//     takes it there, as for any CI job.

// VarSweepRun names the build parameter that identifies the sweep run a
// build belongs to: "<host>:<recipe>/<run directory>", unique per run.
const VarSweepRun = "CCCI_SWEEP"

// Drone executor timings.
const (
	firstBackoff   = 500 * time.Millisecond
	maxBackoff     = 30 * time.Second
	requestTimeout = 2 * time.Minute // one request, a log included
	logBudget      = 2 * time.Minute // fetching a finished build's logs
	cancelBudget   = 15 * time.Second
	lookupPages    = 4 // pages of 100 builds searched for a lost create
)

// droneExecutor runs jobs as Drone builds; it is safe for concurrent use.
type droneExecutor struct {
	client      *drone.Client
	repo        string
	branch      string
	poll        time.Duration
	timeout     time.Duration
	fingerprint string
	host        string

	poller  *poller    // one list request per poll for all the builds waited on
	gate    sync.Mutex // held by a dispatch until one has worked
	mu      sync.Mutex
	proven  bool  // a dispatch worked: the token and repository are good
	refused error // the server refused: no further dispatch
}

// droneFor is the Drone executor when cfg names it, else nil. It checks
// the [drone] section and reads the token (exit 2 when either fails).
func droneFor(cfg *ccci.Config, fingerprint string) (*droneExecutor, error) {
	if err := cfg.CheckDrone(); err != nil || cfg.Sweep.Executor != ccci.ExecutorDrone {
		return nil, err
	}
	token, err := cfg.DroneToken()
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	d := &cfg.Drone
	// Keep a connection per build in flight: each poll reuses one.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = orConfig(d.Capacity, ccci.DefaultCapacity) + 2
	x := &droneExecutor{
		client:  &drone.Client{Server: d.Server, Token: token, HTTP: &http.Client{Transport: tr}},
		repo:    d.Repo,
		branch:  d.Branch,
		poll:    orConfig(d.Poll, ccci.DefaultDronePoll),
		timeout: cfg.Sweep.Timeout, fingerprint: fingerprint, host: host,
	}
	x.poller = newPoller(x.poll, func(ctx context.Context, perPage int) ([]*drone.Build, error) {
		bs, err := x.client.Builds(ctx, x.repo, 1, perPage)
		x.noteRefusal(err)
		return bs, err
	})
	return x, nil
}

// Destination says where a sweep with cfg runs its recipe tests, for
// people: "here, 1 at a time" or the Drone repository and capacity.
func Destination(cfg *ccci.Config) string {
	if cfg.Sweep.Executor != ccci.ExecutorDrone {
		return fmt.Sprintf("runs go: here (local executor), %d at a time", max(cfg.Sweep.Jobs, 1))
	}
	d := &cfg.Drone
	branch := d.Branch
	if branch == "" {
		branch = "its default branch"
	}
	return fmt.Sprintf("runs go: Drone %s/%s, branch %s, %d at a time", strings.TrimRight(d.Server, "/"), d.Repo,
		branch, orConfig(d.Capacity, ccci.DefaultCapacity))
}

// try dispatches the job's build (or takes up the one its run directory
// names), waits for it, fetches its logs and says how it ended.
func (x *droneExecutor) try(ctx context.Context, j *job) try {
	run, err := x.openRun(j)
	if err != nil {
		return try{Error, -1, err.Error()}
	}
	deadline := j.res.Started.Add(x.timeout)
	if run.Number == 0 {
		if t, ok := x.dispatch(ctx, j, run, deadline); !ok {
			return t
		}
	} else {
		x.logf(j, "taking up Drone build #%d (%s) left by an earlier sweep", run.Number, run.Link)
	}
	j.res.Drone = &DroneBuild{Number: run.Number, Link: run.Link}
	b, t, ok := x.await(ctx, j, run, deadline)
	if !ok {
		return t
	}
	if fetched, parity := loggedBuild(j, b); fetched { // by a sweep killed before it recorded the run
		return x.verdict(b, parity)
	}
	return x.verdict(b, x.fetchLogs(ctx, j, b))
}

// dispatch creates the build, or finds the one an earlier attempt
// created, and records its number before anything waits on it.
func (x *droneExecutor) dispatch(ctx context.Context, j *job, run *droneRun, deadline time.Time) (try, bool) {
	lost := run.saved // an earlier attempt may have created it
	if err := run.save(j.dir); err != nil {
		return try{Error, -1, err.Error()}, false
	}
	params := map[string]string{ccci.VarRecipe: j.d.Recipe, ccci.VarVersion: j.d.To, ccci.VarFromVersion: j.d.From,
		ccci.VarCommit: j.d.Commit, VarSweepRun: run.ID, ccci.VarFingerprint: x.fingerprint}
	for backoff := firstBackoff; ; backoff = min(2*backoff, maxBackoff) {
		var b *drone.Build
		var err error
		if lost {
			b, err = x.find(ctx, run.ID)
		}
		if b == nil && err == nil {
			b, err = x.create(ctx, params)
		}
		switch {
		case err == nil:
			run.Number, run.Link = b.Number, x.client.Link(x.repo, b.Number)
			if err := run.save(j.dir); err != nil {
				return try{Error, -1, err.Error()}, false
			}
			x.logf(j, "Drone build #%d: %s", run.Number, run.Link)
			return try{}, true
		case x.refusedErr() != nil: // this run's refusal or another's: the sweep stops, no verdict
			return x.stop(j, x.refusedErr()), false
		case !drone.Temporary(err) && ctx.Err() == nil:
			return x.stop(j, err), false
		case ctx.Err() != nil:
			return x.cancelLost(ctx, j, run), false
		}
		lost = true
		if !x.pause(ctx, j, err, backoff, deadline) {
			if ctx.Err() != nil {
				return try{Interrupted, -1, "stopped by the sweep's signal while Drone was unreachable"}, false
			}
			return try{Error, -1, "drone server unreachable until the deadline: " + err.Error()}, false
		}
	}
}

// create sends the create request. Until one has worked, creates go one
// at a time; once the server has refused, none goes.
func (x *droneExecutor) create(ctx context.Context, params map[string]string) (*drone.Build, error) {
	x.mu.Lock()
	proven := x.proven
	x.mu.Unlock()
	if !proven {
		x.gate.Lock()
		defer x.gate.Unlock()
	}
	if err := x.refusedErr(); err != nil {
		return nil, err
	}
	rctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	b, err := x.client.Create(rctx, x.repo, x.branch, params)
	x.note(err)
	return b, err
}

// note remembers whether the server took a create (the token may
// write), or refused a request.
func (x *droneExecutor) note(err error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	switch {
	case err == nil:
		x.proven = true
	case (drone.Refused(err) || errors.Is(err, drone.ErrNothingScheduled)) && x.refused == nil:
		x.refused = err
	}
}

// noteRefusal remembers a refusal of any other request.
func (x *droneExecutor) noteRefusal(err error) {
	if drone.Refused(err) {
		x.mu.Lock()
		defer x.mu.Unlock()
		if x.refused == nil {
			x.refused = err
		}
	}
}

// refusedErr is the server's refusal, once there has been one.
func (x *droneExecutor) refusedErr() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.refused
}

// find looks for the build whose CCCI_SWEEP parameter is id among the
// newest builds; nil when there is none.
func (x *droneExecutor) find(ctx context.Context, id string) (*drone.Build, error) {
	for page := 1; page <= lookupPages; page++ {
		rctx, cancel := context.WithTimeout(ctx, requestTimeout)
		bs, err := x.client.Builds(rctx, x.repo, page, 100)
		cancel()
		x.noteRefusal(err)
		if err != nil {
			return nil, err
		}
		for _, b := range bs {
			if b.Params[VarSweepRun] == id {
				return b, nil
			}
		}
		if len(bs) < 100 {
			break
		}
	}
	return nil, nil
}

// stop is how a run ends when the server refused: the sweep stops (exit
// 3) and the run gets no verdict; any other answer is an error verdict.
func (x *droneExecutor) stop(j *job, err error) try {
	hint := ""
	var ae *drone.APIError
	switch {
	case errors.Is(err, drone.ErrNothingScheduled):
		hint = fmt.Sprintf("no pipeline in %s's .drone.yml (branch %s) is triggered by the custom event", x.repo, orDefaultBranch(x.branch))
	case errors.As(err, &ae) && ae.Code == 401:
		hint = "the token is refused: check drone.token_file or $" + ccci.DroneTokenEnv
	case errors.As(err, &ae) && ae.Code == 403:
		hint = "the token's user may not do this (inactive account?)"
	case errors.As(err, &ae) && ae.Code == 404:
		hint = fmt.Sprintf("no repository %s for this token, or no write access to it, or no such build: check drone.repo", x.repo)
	default:
		return try{Error, -1, "drone: " + err.Error()}
	}
	j.stop = hostError("drone "+x.client.Server, fmt.Errorf("%w (%s)", err, hint))
	x.logf(j, "%v", j.stop)
	return try{Error, -1, j.stop.Error()}
}

func orDefaultBranch(b string) string {
	if b == "" {
		return "default"
	}
	return b
}

// await polls the build until it ends. When the deadline passes first it
// cancels the build (timeout); when ctx ends, too (interrupted).
func (x *droneExecutor) await(ctx context.Context, j *job, run *droneRun, deadline time.Time) (*drone.Build, try, bool) {
	backoff := firstBackoff
	for {
		rctx, cancel := context.WithTimeout(ctx, requestTimeout)
		b, err := x.client.Build(rctx, x.repo, run.Number)
		cancel()
		x.noteRefusal(err)
		switch {
		case ctx.Err() != nil:
			return nil, x.cancel(ctx, j, run, Interrupted, "stopped by the sweep's signal"), false
		case err == nil && drone.Done(b.Status):
			return b, try{}, true
		case err == nil && !time.Now().Before(deadline):
			why := fmt.Sprintf("not finished within %v (Drone build #%d %s)", x.timeout, run.Number, waitingFor(b))
			return nil, x.cancel(ctx, j, run, Timeout, why), false
		case err != nil && !drone.Temporary(err):
			return nil, x.stop(j, err), false
		case err != nil:
			if !x.pause(ctx, j, err, backoff, deadline) {
				if ctx.Err() != nil {
					continue // cancel it, above
				}
				x.cancel(ctx, j, run, Error, "")
				return nil, try{Error, -1, fmt.Sprintf("drone server unreachable until the deadline, Drone build #%d unknown: %v", run.Number, err)}, false
			}
			backoff = min(2*backoff, maxBackoff)
			continue
		}
		backoff = firstBackoff
		if !x.poller.wait(ctx, run.Number, time.Until(deadline)) {
			continue // ctx ended: cancel it, above
		}
	}
}

// waitingFor says what an unfinished build was doing.
func waitingFor(b *drone.Build) string {
	for _, st := range b.Stages {
		if st.Status == drone.StatusBlocked {
			return "was awaiting approval"
		}
	}
	return "was " + b.Status
}

// cancel cancels the build (DELETE), with a context of its own so that
// an interrupted sweep still does it, and returns the run's end.
func (x *droneExecutor) cancel(ctx context.Context, j *job, run *droneRun, v Verdict, why string) try {
	cctx, stop := context.WithTimeout(context.WithoutCancel(ctx), cancelBudget)
	defer stop()
	_, err := x.client.Cancel(cctx, x.repo, run.Number)
	note := fmt.Sprintf("Drone build #%d cancelled", run.Number)
	if err != nil {
		note = fmt.Sprintf("cancelling Drone build #%d: %v", run.Number, err)
	}
	x.logf(j, "%s", note)
	return try{v, -1, why + "; " + note}
}

// cancelLost ends a run interrupted while its create was on the way:
// Drone may have made the build, so it is looked up and cancelled.
func (x *droneExecutor) cancelLost(ctx context.Context, j *job, run *droneRun) try {
	const why = "stopped by the sweep's signal while dispatching"
	cctx, stop := context.WithTimeout(context.WithoutCancel(ctx), cancelBudget)
	defer stop()
	b, err := x.find(cctx, run.ID)
	switch {
	case err != nil:
		return try{Interrupted, -1, why + "; looking for its Drone build: " + err.Error()}
	case b == nil:
		return try{Interrupted, -1, why + "; Drone made no build"}
	}
	run.Number = b.Number
	return x.cancel(ctx, j, run, Interrupted, why)
}

// verdict maps the finished build to the run's end.
func (x *droneExecutor) verdict(b *drone.Build, parity bool) try {
	switch b.Status {
	case drone.StatusPassing:
		return try{Pass, 0, ""}
	case drone.StatusFailing:
		if parity {
			return try{Error, ccci.ExitEnv, ccci.ParityRefusal}
		}
		return try{Fail, failedExit(b), ""}
	case drone.StatusKilled:
		return try{Error, -1, fmt.Sprintf("Drone build #%d was cancelled in Drone", b.Number)}
	}
	why := fmt.Sprintf("Drone build #%d ended %s", b.Number, b.Status)
	if b.Error != "" {
		why += ": " + b.Error
	}
	return try{Error, -1, why}
}

// failedExit is the exit status of the first failed step, else 1.
func failedExit(b *drone.Build) int {
	for _, st := range b.Stages {
		for _, step := range st.Steps {
			if step.Status == drone.StatusFailing && step.ExitCode != 0 {
				return step.ExitCode
			}
		}
	}
	return 1
}
