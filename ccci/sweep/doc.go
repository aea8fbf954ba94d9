// Package sweep is the cc-ci sweep: it re-tests every enrolled recipe whose
// newest release tag is newer than its canonical version (the last one that
// passed), in the declared environment, and promotes the canonical version
// when the test passes. cmd/cc-ci-sweep is a thin command over it.
//
// A sweep is: Enrol (the configured recipes), optionally Sync (fetch tags),
// ReadInputs (tag names only, cheap), ReadState, optionally PeelCanonical
// (to see canonical tags moved since they passed), Plan (pure), PeelRuns
// (the commits of the few tags a plan runs), Run, and reports (the Summary
// as JSON, WriteJUnit, Notify). The library prints nothing; the exit codes are
// ccci.ExitCode's (package ccci's doc has the table): a state file that
// does not parse is 2 (*StateError, ccci.ErrConfig), nothing enrolled is 3
// (ccci.ErrNothingEnrolled).
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
// Plan is a pure function of the recipes' tags, the state and Options. Only
// release tags count (package recipe: MAJOR.MINOR.PATCH+UPSTREAM; plain
// X.Y.Z when a recipe has no '+' tag at all); the latest is the highest
// precedence, never the newest by date. Per recipe, with canonical the
// recorded version and latest the latest release tag:
//
//	condition                                    action  reason
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
// To's commit, filled by PeelRuns for run decisions only. Detail is for
// people: "canonical 3.5.3+1.24.2 < latest tag 3.6.0+1.24.2". The plan
// JSON is an array of {"recipe", "action", "reason", "detail", "from",
// "to"} (plus "commit" and "warning" when set), sorted by recipe.
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
//	               "ts": "...", "log": ".../log", "duration": "4m12s"}   pass or not
//	    }
//	  }
//	}
//
// Only Promote (after a passing run) and PromoteByHand ("cc-ci-sweep
// promote") change the canonical part; RecordLast sets "last" and never
// touches it. Every change is a read-modify-write under an exclusive flock
// on <state>.lock, written atomically (a temporary file in the same
// directory, fsync, rename, fsync of the directory), so a killed sweep
// leaves the old file or the new one, never a torn one. A file that does
// not parse, or whose schema is missing or newer than StateSchema, stops
// the sweep with a *StateError naming the file, and is never overwritten;
// a missing file is an empty state.
package sweep
