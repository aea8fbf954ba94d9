package sweep

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/drone"
	"coopcloud.tech/cc-ci/internal/atomicfile"
)

// droneFile, in a run directory, names the Drone build of the run's try
// n: drone.json, then drone-2.json, ... (a retry is a build of its own).
func droneFile(n int) string {
	if n <= 1 {
		return "drone.json"
	}
	return "drone-" + strconv.Itoa(n) + ".json"
}

// DroneBuild is the Drone build that ran a recipe test (RunRecord.Drone).
type DroneBuild struct {
	Number int64  `json:"number"`
	Link   string `json:"link"` // the build's page
}

// droneRun is drone.json: written before the create request (with the
// run's id, which the build carries as CCCI_SWEEP) and again with the
// build's number before the sweep waits on it.
type droneRun struct {
	Server string `json:"server"`
	Repo   string `json:"repo"`
	ID     string `json:"id"`
	Recipe string `json:"recipe"`
	To     string `json:"to"`
	Commit string `json:"commit"`
	Number int64  `json:"number,omitempty"`
	Link   string `json:"link,omitempty"`

	try   int  // the try it is of: 1, 2, ...
	saved bool // read from the run directory, or written to it
}

func (r *droneRun) save(dir string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err == nil {
		err = atomicfile.Write(filepath.Join(dir, droneFile(r.try)), append(b, '\n'), 0o644)
	}
	if err != nil {
		return fmt.Errorf("recording the Drone build in %s: %w", dir, err)
	}
	r.saved = true
	return nil
}

// readDroneRun reads the record of try n in dir; nil when it has none
// that parses.
func readDroneRun(dir string, n int) *droneRun {
	b, err := os.ReadFile(filepath.Join(dir, droneFile(n)))
	if err != nil {
		return nil
	}
	var r droneRun
	if json.Unmarshal(b, &r) != nil {
		return nil
	}
	r.saved, r.try = true, max(n, 1)
	return &r
}

// matches reports whether the record is of the job's run on this server.
func (r *droneRun) matches(x *droneExecutor, d Decision) bool {
	return r.Server == x.client.Server && r.Repo == x.repo && r.Recipe == d.Recipe && r.To == d.To &&
		strings.EqualFold(r.Commit, d.Commit)
}

// openRun is the record of the job's current try: the one in its
// directory (a run taken up again), else a new one, not yet written. Each
// try has an ID of its own (the run's, then "#2", ...), so that a lost
// create of a retry is never taken for the build of an earlier try.
func (x *droneExecutor) openRun(j *job) (*droneRun, error) {
	if r := readDroneRun(j.dir, j.attempt); r != nil && r.matches(x, j.d) {
		return r, nil
	}
	rel, err := filepath.Rel(filepath.Dir(filepath.Dir(j.dir)), j.dir)
	if err != nil {
		return nil, err
	}
	id := x.host + ":" + filepath.ToSlash(rel)
	if j.attempt > 1 {
		id += "#" + strconv.Itoa(j.attempt)
	}
	return &droneRun{Server: x.client.Server, Repo: x.repo, ID: id,
		Recipe: j.d.Recipe, To: j.d.To, Commit: j.d.Commit, try: max(j.attempt, 1)}, nil
}

// resumable returns the newest run directory of d's recipe and tag that a
// killed sweep left with a Drone build of this server recorded and no
// result in the state file since (its start after last, the start of the
// recipe's last recorded run), and when that run started; "" when none.
func (x *droneExecutor) resumable(runs string, d Decision, last time.Time) (string, time.Time) {
	parent := filepath.Join(runs, d.Recipe)
	entries, err := os.ReadDir(parent)
	if err != nil {
		return "", time.Time{}
	}
	for i := len(entries) - 1; i >= 0; i-- { // names sort by start time
		started, tag := fromRunName(entries[i].Name())
		if !entries[i].IsDir() || tag != d.To || !started.After(last) {
			continue
		}
		dir := filepath.Join(parent, entries[i].Name())
		if r := readDroneRun(dir, 1); r != nil && r.matches(x, d) {
			return dir, started
		}
	}
	return "", time.Time{}
}

// resumer is an executor that can take up a run a killed sweep left.
type resumer interface {
	resumable(runs string, d Decision, last time.Time) (dir string, started time.Time)
}

// runDir gives res its run directory: one a killed sweep left for the
// same run, which the executor takes up (res.Started then is that run's
// start), else a new one.
func (sw *sweeper) runDir(res *RunRecord) (string, error) {
	if r, ok := sw.exec.(resumer); ok {
		var last time.Time
		if rec := sw.gathered.state.record(res.Recipe); rec != nil && rec.Last != nil {
			last = rec.Last.TS
		}
		d := Decision{Recipe: res.Recipe, To: res.To, Commit: res.Commit}
		if dir, started := r.resumable(sw.cfg.Sweep.Runs, d, last); dir != "" {
			res.Started = started
			return dir, nil
		}
	}
	return makeRunDir(sw.cfg.Sweep.Runs, res.Recipe, res.To, res.Started)
}

// logHeader begins the lines fetchLogs writes for each step.
func logHeader(number int64) string { return fmt.Sprintf("--- Drone build #%d, ", number) }

// loggedBuild reports whether the run's log already holds the build's
// logs (fetched by a sweep killed before it recorded the run), and then
// whether they show a runner refusing the sweep's fingerprint.
func loggedBuild(j *job, b *drone.Build) (fetched, parity bool) {
	data, err := os.ReadFile(j.log.Name()) // the try's own log
	if err != nil {
		return false, false
	}
	_, logs, fetched := strings.Cut(string(data), "\n"+logHeader(b.Number))
	return fetched, failedExit(b) == ccci.ExitEnv && strings.Contains(logs, parityLine)
}

// parityLine is what cc-ci-run prints when it refuses the fingerprint.
const parityLine = "cc-ci-run: " + ccci.ParityRefusal

// fetchLogs appends every step's log to the run's log, each headed by
// its stage and step. It reports whether a failed step is cc-ci-run
// refusing a runner whose environment differs (exit 3 and the refusal
// line).
func (x *droneExecutor) fetchLogs(ctx context.Context, j *job, b *drone.Build) bool {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), logBudget)
	defer cancel()
	parity := false
	for _, st := range b.Stages {
		for _, step := range st.Steps {
			fmt.Fprintf(j.log, "%sstage %s, step %s: %s (exit %d)\n", logHeader(b.Number), st.Name, step.Name, step.Status, step.ExitCode)
			lines, err := x.stepLog(ctx, j, b.Number, st.Number, step.Number)
			if err != nil {
				fmt.Fprintf(j.log, "(no log: %v)\n", err)
				continue
			}
			var text strings.Builder
			for _, l := range lines {
				text.WriteString(l.Out)
			}
			out := text.String()
			if out != "" && !strings.HasSuffix(out, "\n") {
				out += "\n"
			}
			j.log.WriteString(out)
			if step.Status == drone.StatusFailing && step.ExitCode == ccci.ExitEnv && strings.Contains(out, parityLine) {
				parity = true
			}
		}
	}
	return parity
}

// stepLog reads one step's log, retrying what is temporary within ctx.
func (x *droneExecutor) stepLog(ctx context.Context, j *job, number int64, stage, step int) ([]drone.Line, error) {
	deadline, _ := ctx.Deadline()
	for backoff := firstBackoff; ; backoff = min(2*backoff, maxBackoff) {
		lines, err := x.client.Logs(ctx, x.repo, number, stage, step)
		if err == nil || !drone.Temporary(err) || !x.pause(ctx, j, err, backoff, deadline) {
			return lines, err
		}
	}
}

// pause waits out a temporary error: the backoff, jittered, never past
// the deadline. It says so in the run's log and reports whether there is
// time left to try again.
func (x *droneExecutor) pause(ctx context.Context, j *job, err error, backoff time.Duration, deadline time.Time) bool {
	wait := min(jitter(backoff), time.Until(deadline))
	if wait <= 0 {
		return false
	}
	x.logf(j, "drone: %v; trying again in %v", err, wait.Round(time.Millisecond))
	return sleep(ctx, wait) && time.Now().Before(deadline)
}

// logf writes one "cc-ci-sweep: ..." line to the run's log.
func (x *droneExecutor) logf(j *job, format string, args ...any) {
	fmt.Fprintf(j.log, "cc-ci-sweep: "+format+"\n", args...)
}

// jitter is d give or take half of it.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return d/2 + rand.N(d)
}

// sleep waits d on a timer; false when ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
