package sweep

import (
	"fmt"
	"time"

	"coopcloud.tech/cc-ci/ccci/recipe"
)

// Action is what the plan does with a recipe.
type Action string

const (
	ActionRun  Action = "run"
	ActionSkip Action = "skip"
)

// Reason is the machine-readable cause of a Decision.
type Reason string

const (
	NeverReleased  Reason = "never-released"
	NeverVerified  Reason = "never-verified"
	NewVersion     Reason = "new-version"
	UpToDate       Reason = "up-to-date"
	Retagged       Reason = "retagged"
	CanonicalAhead Reason = "canonical-ahead"
	KnownFailure   Reason = "known-failure"
	Excluded       Reason = "not-selected" // filtered out by Options.Only
)

// Input is one enrolled recipe and its tags, as read before planning.
// Commits may be empty: names are read first, and only the tags a run
// needs are peeled afterwards.
type Input struct {
	Recipe recipe.Recipe
	Tags   []recipe.Tag
}

// Options change the plan.
type Options struct {
	Weekly      bool     // re-verify everything, known failures included
	RetryFailed bool     // run known failures in nightly mode too
	Only        []string // plan only these recipes ("" = all)
}

// Decision is the plan for one recipe. It marshals to the plan JSON:
// {"recipe","action","reason","detail","from","to"} (+ "commit" when known).
type Decision struct {
	Recipe  string `json:"recipe"`
	Action  Action `json:"action"`
	Reason  Reason `json:"reason"`
	Detail  string `json:"detail"`
	From    string `json:"from"`
	To      string `json:"to"`
	Commit  string `json:"commit,omitempty"`
	Warning bool   `json:"warning,omitempty"` // canonical-ahead and the like
}

// Verdict is how one recipe run ended.
type Verdict string

const (
	Pass        Verdict = "pass"
	Fail        Verdict = "fail"
	Timeout     Verdict = "timeout"
	Error       Verdict = "error" // could not start
	Interrupted Verdict = "interrupted"
	Deferred    Verdict = "deferred" // never started: a CI job kept the host busy
	Skipped     Verdict = "skipped"  // the plan said skip
)

// Failed reports whether the verdict counts as a failed test: fail,
// timeout or error (could not start). Interrupted, deferred and skipped
// runs are not failures.
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

// Result is result.json in a run directory:
// <runs>/<recipe>/<started UTC, 20060102T150405Z>-<to>/{result.json,log}.
type Result struct {
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
	Note        string    `json:"note,omitempty"` // e.g. "not promoted: ..."
}

// StateSchema is the current state file schema version.
const StateSchema = 1

// State is the canonical state file.
type State struct {
	Schema  int                `json:"schema"`
	Recipes map[string]*Record `json:"recipes"`
}

// Record is one recipe's canonical record {version, commit, status, ts}
// and, beside it, its last result (failures never touch the canonical part).
type Record struct {
	Version string    `json:"version,omitempty"`
	Commit  string    `json:"commit,omitempty"`
	Status  string    `json:"status,omitempty"` // "pass" (or "promoted-by-hand")
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
}

// Outcome is what happened to one recipe in a sweep.
type Outcome struct {
	Decision
	Verdict  Verdict  `json:"verdict"`
	Promoted bool     `json:"promoted"`
	Note     string   `json:"note,omitempty"`
	RunDir   string   `json:"run_dir,omitempty"`
	Duration Duration `json:"duration,omitempty"`
}

// Summary is the sweep's result: printed by -json, piped to [sweep] notify.
type Summary struct {
	Status      string    `json:"status"` // ok, failed, deferred, interrupted, error
	Started     time.Time `json:"started"`
	Finished    time.Time `json:"finished"`
	Fingerprint string    `json:"fingerprint"`
	Weekly      bool      `json:"weekly"`
	Outcomes    []Outcome `json:"outcomes"`
	Error       string    `json:"error,omitempty"`
}
