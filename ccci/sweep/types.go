package sweep

import (
	"fmt"
	"time"
)

// Options are the per-call overrides of a verb; the config carries the
// rest. The zero Options is a nightly sweep as the config describes it.
type Options struct {
	Weekly      bool     // re-verify up-to-date recipes and known failures
	RetryFailed bool     // run known failures in nightly mode too
	Sync        bool     // fetch each clone's tags first (also when [sweep] sync is set)
	Only        []string // plan only these recipes; the others are skipped as not-selected

	Jobs    int           // Run: recipes at a time; 0 means [sweep] jobs
	Defer   time.Duration // Run: how long to wait for CI jobs; 0 means [sweep] defer
	History int           // Status: run records read per recipe, newest first; 0 means none

	// Heartbeat is how often Run reports a recipe run that is still going
	// (a Running event); 0 means DefaultHeartbeat.
	Heartbeat time.Duration

	// Events receives progress, warnings and fetches, one call at a time;
	// nil means none. The library prints nothing itself.
	Events func(Event)
}

// EventKind says what an Event reports.
type EventKind int

const (
	Warning  EventKind = iota + 1 // a problem that does not stop the verb: Err
	Fetched                       // -sync fetched one clone: Recipe, Err (nil when it worked)
	Waiting                       // a run waits for CI jobs to end, until Until
	Started                       // a run started: Index of Total, Outcome (its decision)
	Finished                      // a run ended: Index of Total, Outcome
	Running                       // a run is still going: Elapsed since it started, Try, Log
	Retrying                      // a try failed (Outcome.Verdict); try Try starts in a fresh checkout, logging to Log
)

// DefaultHeartbeat is how often a run still going is reported when
// Options.Heartbeat is 0: a person watching the journal sees a line at
// least this often.
const DefaultHeartbeat = 3 * time.Minute

// Event is one report from a verb. String gives the line cc-ci-sweep
// prints for it.
type Event struct {
	Kind         EventKind
	Recipe       string
	Index, Total int           // Waiting, Started, Finished: run Index of Total, in start order
	Until        time.Time     // Waiting: the defer deadline
	Outcome      Outcome       // Waiting, Started, Finished, Running, Retrying
	Err          error         // Warning, Fetched
	Log          string        // Started, Running, Retrying: the log file being written (to tail -f)
	Elapsed      time.Duration // Running: since the run started
	Try, Tries   int           // Running, Retrying: the try going on, of at most Tries
}

// Action is what the plan does with a recipe.
type Action string

const (
	ActionRun  Action = "run"
	ActionSkip Action = "skip"
)

// Reason is the machine-readable cause of a Decision. The board and
// cc-ci-sweep status show the same words.
type Reason string

const (
	NeverReleased  Reason = "never-released"
	NeverVerified  Reason = "never-verified"
	NewVersion     Reason = "new-version"
	UpToDate       Reason = "up-to-date"
	Retagged       Reason = "retagged"
	CanonicalAhead Reason = "canonical-ahead"
	KnownFailure   Reason = "known-failure"
	NotSelected    Reason = "not-selected" // left out by Options.Only
	Unreadable     Reason = "unreadable"   // its tags could not be read
)

// Decision is the plan for one recipe. It marshals to the plan JSON:
// {"recipe","action","reason","detail","from","to"}, plus "commit",
// "warning" and "ignored" when set.
type Decision struct {
	Recipe  string `json:"recipe"`
	Action  Action `json:"action"`
	Reason  Reason `json:"reason"`
	Detail  string `json:"detail"`
	From    string `json:"from"` // the upgrade base, "" when none
	To      string `json:"to"`   // the tag to test
	Commit  string `json:"commit,omitempty"`
	Warning bool   `json:"warning,omitempty"` // canonical-ahead, unreadable

	// Ignored names the recipe's tags that are not releases, and why
	// (pre-releases, legacy tags beside '+' tags, strings that are not
	// versions): a tag someone meant as a release shows up here.
	Ignored []IgnoredTag `json:"ignored,omitempty"`
}

// IgnoredTag is a tag the plan does not count as a release, and why.
type IgnoredTag struct {
	Tag    string `json:"tag"`
	Reason string `json:"reason"`
}

// Verdict is how one recipe run ended.
type Verdict string

const (
	Pass        Verdict = "pass"
	Flaky       Verdict = "flaky" // failed or timed out, then passed when tried again: promoted
	Fail        Verdict = "fail"
	Timeout     Verdict = "timeout"
	Error       Verdict = "error" // could not start, or its tags could not be read
	Interrupted Verdict = "interrupted"
	Deferred    Verdict = "deferred" // never started: a CI job kept the host busy
	Skipped     Verdict = "skipped"  // the plan said skip
)

// Passed reports whether the version passed its test: pass, or flaky
// (passed when tried again). Both promote.
func (v Verdict) Passed() bool { return v == Pass || v == Flaky }

// retried reports whether a try ending so is tried again, when [sweep]
// retries allows: a test that ran and failed or timed out.
func (v Verdict) retried() bool { return v == Fail || v == Timeout }

// Failed reports whether the verdict counts as a failed test: fail,
// timeout or error. Interrupted, deferred and skipped runs are not
// failures.
func (v Verdict) Failed() bool { return v == Fail || v == Timeout || v == Error }

// known reports whether a run ending so makes its tag a known failure,
// skipped by nightly plans until something newer is tagged: a test that
// ran and failed or timed out. An error (could not start) is the host's
// problem, so it is retried.
func (v Verdict) known() bool { return v == Fail || v == Timeout }

// Duration marshals as a Go duration string ("4m12s").
type Duration time.Duration

// String is the Go duration string.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText writes the Go duration string ("4m12s").
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads a Go duration string; an empty string is zero.
func (d *Duration) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = 0
		return nil
	}
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("duration %q: %w", b, err)
	}
	*d = Duration(v)
	return nil
}

// RunRecord is one run directory, <runs>/<recipe>/<started
// 20060102T150405Z>-<to>/, holding result.json (the fields with JSON
// names) and the run's log.
type RunRecord struct {
	Recipe      string    `json:"recipe"`
	From        string    `json:"from"`
	To          string    `json:"to"`
	Commit      string    `json:"commit"`
	Verdict     Verdict   `json:"verdict"`
	ExitStatus  int       `json:"exit_status"` // -1 when killed by a signal or never started
	Started     time.Time `json:"started"`
	Duration    Duration  `json:"duration"`
	Fingerprint string    `json:"fingerprint"`
	Log         string    `json:"log"` // file name inside the run directory
	Promoted    bool      `json:"promoted"`
	Note        string    `json:"note,omitempty"`  // e.g. "not promoted: ..."
	Tries       []Attempt `json:"tries,omitempty"` // each try, when the run was tried again

	Drone *DroneBuild `json:"drone,omitempty"` // the Drone build that ran it (executor drone)

	Dir string `json:"-"` // the run directory
	// Err says why result.json could not be read (matching fs.ErrNotExist
	// while the run is unfinished); the fields above then come from the
	// directory's name only.
	Err error `json:"-"`
}

// Attempt is one try of a run. With [sweep] retries a run that fails or
// times out is tried again in a fresh checkout; each try writes its own
// log in the run directory ("log", then "log-2", "log-3", ...), and the
// run's verdict is its last try's, flaky when that passed after a failure.
type Attempt struct {
	Try        int      `json:"try"` // 1 for the first
	Verdict    Verdict  `json:"verdict"`
	ExitStatus int      `json:"exit_status"`
	Log        string   `json:"log"` // file name inside the run directory
	Duration   Duration `json:"duration"`
	Note       string   `json:"note,omitempty"`
}

// Record statuses. A canonical record made by a passing sweep run says
// StatusPass; one made by PromoteByHand says StatusByHand, so the state
// file shows that no test backed it. The plan treats both alike.
const (
	StatusPass   = "pass"
	StatusByHand = "promoted-by-hand"
)

// Record is one recipe's entry in the state file: its canonical record
// {version, commit, status, ts} and, beside it, its last result (failures
// never touch the canonical part).
type Record struct {
	Version string    `json:"version,omitempty"`
	Commit  string    `json:"commit,omitempty"`
	Status  string    `json:"status,omitempty"` // StatusPass or StatusByHand
	TS      time.Time `json:"ts,omitzero"`
	Last    *Last     `json:"last,omitempty"`
}

// Last is the most recent result of a recipe, pass or not.
type Last struct {
	Version  string    `json:"version"`
	Verdict  Verdict   `json:"verdict"`
	TS       time.Time `json:"ts"`
	Log      string    `json:"log"` // path of the run's log file
	Duration Duration  `json:"duration"`
	// FailingSince is the start of the oldest run in the recipe's current
	// streak of failures (fail, timeout, error), set while Verdict is one.
	FailingSince time.Time `json:"failing_since,omitzero"`
}

// Outcome is what happened to one recipe in a sweep.
type Outcome struct {
	Decision
	Verdict  Verdict   `json:"verdict"`
	Promoted bool      `json:"promoted"`
	Note     string    `json:"note,omitempty"`
	RunDir   string    `json:"run_dir,omitempty"`
	Duration Duration  `json:"duration,omitempty"`
	Tries    []Attempt `json:"tries,omitempty"` // each try, when the run was tried again
}

// Summary is a sweep's result: Run returns it, cc-ci-sweep run -json
// prints it, [sweep] notify reads it on stdin, and the runs directory
// keeps the last one for the status board.
type Summary struct {
	Status      string    `json:"status"` // ok, failed, deferred, interrupted, error
	Started     time.Time `json:"started"`
	Finished    time.Time `json:"finished"`
	Fingerprint string    `json:"fingerprint"`
	Weekly      bool      `json:"weekly"`
	Outcomes    []Outcome `json:"outcomes"`
	Error       string    `json:"error,omitempty"`
	// LowDisk is the filesystem whose free space stopped the sweep from
	// starting runs ([sweep] min_free); Status is then deferred.
	LowDisk *LowDisk `json:"low_disk,omitempty"`
	// LastOK is when a sweep last ended with status ok, this one or an
	// earlier one (carried over from the previous summary); zero if never.
	LastOK time.Time `json:"last_ok,omitzero"`
}

// RecipeStatus is one enrolled recipe seen from outside: the decision the
// next sweep makes for it (with the same Options), its latest release tag,
// its state file record, and its newest runs.
type RecipeStatus struct {
	Decision
	Latest    string      `json:"latest"`              // the latest release tag, "" when none
	Canonical *Record     `json:"canonical,omitempty"` // nil when the state file has no record
	Runs      []RunRecord `json:"runs,omitempty"`      // newest first, Options.History of them
}

// Overview is what Status returns and the status board shows.
type Overview struct {
	Config      string         `json:"config"`      // the config file, "" for the built-in default
	Fingerprint string         `json:"fingerprint"` // "" when the environment does not resolve
	LastSweep   *Summary       `json:"last_sweep,omitempty"`
	Recipes     []RecipeStatus `json:"recipes"` // sorted by name
}

// TagInfo is one tag of a recipe, and whether and why it counts.
type TagInfo struct {
	Name    string `json:"name"`
	Commit  string `json:"commit"`
	Class   string `json:"class"`             // release, prerelease, legacy or invalid (recipe.Class)
	Release bool   `json:"release"`           // a release the plan considers
	Latest  bool   `json:"latest,omitempty"`  // the latest release
	Ignored string `json:"ignored,omitempty"` // why it is not a release
}

// Promotion is what PromoteByHand did.
type Promotion struct {
	Recipe   string `json:"recipe"`
	Version  string `json:"version"`
	Commit   string `json:"commit"`
	Replaced string `json:"replaced"` // the canonical version before, "" when none
	Older    bool   `json:"older"`    // Version is older than Replaced
}
