// Package sweep is the cc-ci sweep: it re-tests every enrolled recipe
// whose latest release tag is newer than its canonical version (the last
// one that passed), in the declared environment, and promotes the
// canonical version when the test passes. cmd/cc-ci-sweep is a thin
// command over it.
//
// # Verbs
//
// What an operator or another Go tool does is one call each, and each
// reads the recipes through the same pipeline (enrol, fetch when asked,
// read tag names, read the state file, peel the canonical tags, decide),
// so every consumer sees the same decision for the same recipe:
//
//	Plan           what a sweep would run, and why (cc-ci-sweep plan)
//	Run            plan, run, promote, record, notify (cc-ci-sweep run)
//	Status         every recipe's decision, canonical record, latest tag and runs
//	               (cc-ci-sweep status, the status board)
//	PromoteByHand  make a release tag canonical without a run (cc-ci-sweep promote)
//	Tags           every tag of a recipe, and why it counts or not (cc-ci-sweep tags)
//
// Each takes the config (ccci.LoadConfig: every default is applied there)
// and Options, the per-call overrides; progress, warnings and fetches come
// back through Options.Events. The library prints nothing; PrintPlan,
// PrintStatus and PrintSummary write the text cc-ci-sweep prints, to a
// writer of the caller's choosing. Errors map to exit codes with
// ccci.ExitCode (package ccci's doc has the table): a state file that does
// not parse is 2 (*StateError), nothing enrolled is 3
// (ccci.ErrNothingEnrolled), a failed recipe 1, a deferred sweep 75.
//
// # Enrolment
//
// The recipes are the folders of clones in the config's sweep.recipes
// (default $ABRA_DIR/recipes, else ~/.abra/recipes), or the entries of the
// catalogue file sweep.catalogue when set, minus sweep.exclude.
// Folders that are not git repositories or have bad names are skipped and
// reported. An empty set is an error, never a green sweep that tested
// nothing.
//
// # Plan
//
// The plan is a pure function of the recipes' tags, the state and
// Options. Only release tags count (package recipe:
// MAJOR.MINOR.PATCH+UPSTREAM; plain X.Y.Z when a recipe has no '+' tag at
// all); the latest is the highest precedence, never the newest by date.
// Per recipe, with canonical the recorded version and latest the latest
// release tag:
//
//	condition                                    action  reason
//	its tags cannot be read                      skip    unreadable, Warning set (Run: verdict error)
//	no release tags                              skip    never-released
//	no canonical, or it is not a release         run     never-verified
//	canonical < latest                           run     new-version
//	canonical is a tag of latest's precedence    skip    up-to-date  (run when weekly)
//	canonical's tag gone, same precedence tag    run     retagged
//	canonical's tag moved to another commit      run     retagged  (when both commits are known)
//	canonical > latest                           skip    canonical-ahead, Warning set
//	latest already failed, nothing newer         skip    known-failure  (run when weekly or retry-failed)
//	not in Options.Only (when it names any)      skip    not-selected
//
// "Already failed" means the recipe's last result is for exactly the
// latest tag and its verdict is fail or timeout; an error (the run could
// not start) or an interruption is retried. Equal versions with different
// upstream parts (3.5.3+1.24.2, 3.5.3+1.25.0) are ordered by a tie-break,
// but that never decides whether to run: a canonical version that is any
// of the latest-precedence tags is up to date.
//
// Each decision carries To, the latest release tag (for up-to-date: the
// canonical tag itself), and From, the upgrade base: the canonical version;
// when that equals To (weekly re-verification, a moved tag), the newest
// release strictly older; "" when there is none or no canonical. Commit is
// To's commit, known for run decisions only. Detail is for people:
// "canonical 3.5.3+1.24.2 < latest tag 3.6.0+1.24.2". The plan JSON is an
// array of {"recipe", "action", "reason", "detail", "from", "to"} (plus
// "commit" and "warning" when set), sorted by recipe.
//
// # State file
//
// The state file (the config's sweep.state) is JSON:
//
//	{
//	  "schema": 1,
//	  "recipes": {
//	    "gitea": {
//	      "version": "3.6.0+1.24.2",                              canonical version
//	      "commit": "4f0c...",                                    its commit (full hex)
//	      "status": "pass",                                       or "promoted-by-hand"
//	      "ts": "2026-11-21T02:04:12Z",                           when it was promoted
//	      "last": {"version": "3.6.0+1.24.2", "verdict": "pass",  the latest result,
//	               "ts": "...", "log": ".../log", "duration": "4m12s"}   pass or not,
//	               (+ "failing_since" while its runs keep failing)
//	    }
//	  }
//	}
//
// Only a passing run and PromoteByHand change the canonical part; every
// run's result goes to "last". A sweep's promotion never goes back past a
// canonical version that changed during the run (a hand promotion, say).
// Every change is a read-modify-write under an exclusive flock on
// <state>.lock, written atomically (a temporary file in the same
// directory, fsync, rename, fsync of the directory), so a killed sweep
// leaves the old file or the new one, never a torn one. A file that does
// not parse, or whose schema is missing or newer than this package knows,
// stops every verb with a *StateError naming the file, and is never
// overwritten; a missing file is an empty state.
//
// # Runs directory
//
// Each run has a directory <runs>/<recipe>/<started, UTC,
// 20060102T150405Z>-<to>/ holding its log and result.json (RunRecord);
// <runs>/last-sweep.json holds the last sweep's Summary.
//
// # Executors
//
// With [sweep] executor = "local" (the default) each run is the [sweep]
// run command on this host, as described for Run. With "drone" each run
// is a build of the [drone] repository's custom-event pipeline, on
// Drone's exec runners: at most [drone] capacity in flight, its number
// recorded in the run directory (drone.json) before the sweep waits, its
// steps' logs copied into the run's log and the build in
// RunRecord.Drone. A sweep killed meanwhile is taken up by the next one
// without a second build; a refused token or repository stops the sweep
// (exit 3) after its first create; a runner whose cc-ci-run refuses the
// sweep's fingerprint (ccci.ParityRefusal) makes the run an error.
// Destination says, for people, where runs go.
//
// # Running for months
//
// Four [sweep] keys keep a host sweeping for months. retries: a try that
// fails or times out runs again in a fresh checkout, each try with its
// own log (log, log-2, ...); a pass after a failure is the verdict flaky,
// which promotes. min_free and disk_paths: the disk guard, asked before
// each run and retry; below it the sweep defers (*LowDisk, exit 75) with
// no verdict for what it did not start. keep: after each sweep each
// recipe keeps its newest keep run directories, its canonical version's
// run and its newest failing run. metrics: a Prometheus textfile,
// replaced after every sweep (metrics.go lists the families). While a run
// goes on, a Running event comes every Options.Heartbeat.
package sweep
