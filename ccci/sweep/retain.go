package sweep

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"coopcloud.tech/cc-ci/ccci/recipe"
)

// Retention. A host that sweeps nightly for months would otherwise keep
// every run directory it ever made (439 after 17 days on cc-ci's own
// host). After each sweep, under the sweep lock and once every run of the
// sweep has ended, each recipe keeps its newest [sweep] keep run
// directories; of the older ones it keeps the run that backs its
// canonical version and its newest failing run, and a directory without
// result.json that changed recently (a run some other process may still
// be writing). The rest is removed.

// removingSuffix ends the name a run directory is renamed to before it is
// removed: readers skip dot names, so a board built meanwhile never shows
// half a run, and a removal cut short is finished by the next sweep.
const removingSuffix = ".removing"

// retention is one pass over the runs directory.
type retention struct {
	runs  string
	keep  int
	st    *state        // the state after the sweep: each recipe's canonical version
	quiet time.Duration // an unfinished run changed less than this ago may still be written
	now   time.Time
}

// retain removes what the policy does not keep and returns how many run
// directories it removed. keep 0 keeps everything.
func (r *retention) retain() (removed int, errs []error) {
	if r.keep <= 0 {
		return 0, nil
	}
	entries, err := os.ReadDir(r.runs)
	if errors.Is(err, fs.ErrNotExist) { // a sweep that stopped before making it
		return 0, nil
	}
	if err != nil {
		return 0, []error{fmt.Errorf("retention: %w", err)}
	}
	for _, e := range entries {
		if !e.IsDir() || recipe.ValidName(e.Name()) != nil {
			continue
		}
		n, err := r.recipe(e.Name())
		removed += n
		errs = append(errs, err...)
	}
	return removed, errs
}

// recipe applies the policy to one recipe's run directories.
func (r *retention) recipe(name string) (removed int, errs []error) {
	parent := filepath.Join(r.runs, name)
	names, leftovers, err := listRuns(parent)
	if err != nil {
		return 0, []error{fmt.Errorf("retention: %w", err)}
	}
	for _, l := range leftovers {
		if err := os.RemoveAll(filepath.Join(parent, l)); err != nil {
			errs = append(errs, fmt.Errorf("retention: %w", err))
		}
	}
	if len(names) <= r.keep {
		return 0, errs
	}
	runs := make([]RunRecord, len(names))
	for i, n := range names {
		runs[i] = readRun(name, filepath.Join(parent, n))
	}
	protected := r.protected(name, runs)
	for _, run := range runs[r.keep:] {
		if protected[run.Dir] || r.unfinished(run) {
			continue
		}
		if err := removeRun(run.Dir); err != nil {
			errs = append(errs, fmt.Errorf("retention: %w", err))
			continue
		}
		removed++
	}
	return removed, errs
}

// protected are the runs kept whatever their age: the newest that passed
// at the canonical version and commit, and the newest failing one.
func (r *retention) protected(name string, runs []RunRecord) map[string]bool {
	keep := map[string]bool{}
	rec := r.st.record(name)
	backed, failing := false, false
	for _, run := range runs { // newest first
		if !backed && rec != nil && rec.Version != "" && run.Verdict.Passed() && run.To == rec.Version &&
			(rec.Commit == "" || strings.EqualFold(run.Commit, rec.Commit)) {
			keep[run.Dir], backed = true, true
		}
		if !failing && run.Verdict.Failed() {
			keep[run.Dir], failing = true, true
		}
	}
	return keep
}

// unfinished reports whether the run has no result.json and changed less
// than quiet ago: whoever makes it may still be writing.
func (r *retention) unfinished(run RunRecord) bool {
	if !errors.Is(run.Err, fs.ErrNotExist) {
		return false
	}
	newest := time.Time{}
	if fi, err := os.Stat(run.Dir); err == nil {
		newest = fi.ModTime()
	}
	entries, _ := os.ReadDir(run.Dir)
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && fi.ModTime().After(newest) {
			newest = fi.ModTime()
		}
	}
	return r.now.Sub(newest) < r.quiet
}

// removeRun renames dir to a dot name readers skip, then removes it.
func removeRun(dir string) error {
	gone := filepath.Join(filepath.Dir(dir), "."+filepath.Base(dir)+removingSuffix)
	if err := os.Rename(dir, gone); err != nil {
		return err
	}
	return os.RemoveAll(gone)
}
