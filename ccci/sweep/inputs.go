package sweep

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"coopcloud.tech/cc-ci/ccci/recipe"
)

// InputError is a recipe whose tags could not be read, peeled or fetched.
type InputError struct {
	Recipe string
	Err    error
}

func (e *InputError) Error() string { return "recipe " + e.Recipe + ": " + e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// errNoSource is a recipe with neither a clone nor a repository URL.
var errNoSource = errors.New("no local clone and no repository URL")

// ReadInputs reads each recipe's tag names, jobs recipes at a time
// (jobs <= 0: GOMAXPROCS; reading tags is local I/O, so this need not be
// sweep.jobs, which bounds recipe runs). Tags of a local clone are names
// only (Commit ""), since listing is cheap and peeling annotated tags is
// not; PeelRuns peels the few a plan runs. A recipe known only by its
// repository URL is listed remotely, commits included. A recipe whose tags
// cannot be read is left out of the inputs and reported as an
// *InputError; the others are returned in the order given.
func ReadInputs(ctx context.Context, recipes []recipe.Recipe, jobs int) ([]Input, []error) {
	results := make([]Input, len(recipes))
	errs := make([]error, len(recipes))
	var g errgroup.Group
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	g.SetLimit(jobs)
	for i, r := range recipes {
		g.Go(func() error {
			tags, err := readTags(ctx, r)
			if err != nil {
				errs[i] = &InputError{Recipe: r.Name, Err: fmt.Errorf("reading tags: %w", err)}
				return nil
			}
			results[i] = Input{Recipe: r, Tags: tags}
			return nil
		})
	}
	g.Wait()
	var in []Input
	var bad []error
	for i := range recipes {
		if errs[i] != nil {
			bad = append(bad, errs[i])
			continue
		}
		in = append(in, results[i])
	}
	return in, bad
}

// readTags lists one recipe's tags.
func readTags(ctx context.Context, r recipe.Recipe) ([]recipe.Tag, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	switch {
	case r.Dir != "":
		names, err := recipe.LocalTagNames(ctx, r.Dir)
		if err != nil {
			return nil, err
		}
		tags := make([]recipe.Tag, len(names))
		for i, n := range names {
			tags[i] = recipe.Tag{Name: n}
		}
		return tags, nil
	case r.Repository != "":
		ctx, cancel := context.WithTimeout(ctx, NetworkTimeout)
		defer cancel()
		return recipe.RemoteTags(ctx, r.Repository)
	}
	return nil, errNoSource
}

// PeelRuns fills Decision.Commit for every run decision that lacks it, by
// peeling its To tag in the recipe's clone (GOMAXPROCS at a time). Every
// decision that can be filled is; the error joins an *InputError per
// recipe that could not be (no input, no clone, tag missing).
func PeelRuns(ctx context.Context, in []Input, ds []Decision) error {
	byName := make(map[string]*Input, len(in))
	for i := range in {
		byName[in[i].Recipe.Name] = &in[i]
	}
	var jobs []peelJob
	var errs []error
	for i := range ds {
		d := &ds[i]
		if d.Action != ActionRun || d.Commit != "" {
			continue
		}
		switch inp := byName[d.Recipe]; {
		case inp == nil:
			errs = append(errs, &InputError{Recipe: d.Recipe, Err: fmt.Errorf("peeling tag %s: recipe not among the inputs", d.To)})
		case inp.Recipe.Dir == "":
			errs = append(errs, &InputError{Recipe: d.Recipe, Err: fmt.Errorf("peeling tag %s: no local clone", d.To)})
		default:
			jobs = append(jobs, peelJob{recipe: d.Recipe, dir: inp.Recipe.Dir, tag: d.To, commit: &d.Commit})
		}
	}
	return errors.Join(append(errs, peelEach(ctx, jobs))...)
}

// PeelCanonical peels, in place, each input's tag that is its recipe's
// canonical version in st (when the state records a commit for it), so
// that Plan sees a canonical tag moved to another commit since it passed
// (reason retagged) instead of calling it up to date. It costs one peel
// per recipe, GOMAXPROCS at a time; call it between ReadInputs and Plan.
// The error joins an *InputError per tag that could not be peeled; such
// tags keep an empty commit, which Plan does not compare.
func PeelCanonical(ctx context.Context, in []Input, st *State) error {
	var jobs []peelJob
	for i := range in {
		rec := st.Record(in[i].Recipe.Name)
		if rec == nil || rec.Commit == "" || in[i].Recipe.Dir == "" {
			continue
		}
		j := slices.IndexFunc(in[i].Tags, func(t recipe.Tag) bool { return t.Name == rec.Version })
		if j < 0 || in[i].Tags[j].Commit != "" {
			continue
		}
		jobs = append(jobs, peelJob{recipe: in[i].Recipe.Name, dir: in[i].Recipe.Dir, tag: rec.Version, commit: &in[i].Tags[j].Commit})
	}
	return peelEach(ctx, jobs)
}

// peelJob is one tag to peel and where its commit goes.
type peelJob struct {
	recipe, dir, tag string
	commit           *string
}

// peelEach peels every job's tag, GOMAXPROCS at a time, and joins an
// *InputError per tag that could not be peeled. Each job writes only its
// own commit, so no lock is needed.
func peelEach(ctx context.Context, jobs []peelJob) error {
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	errs := make([]error, len(jobs))
	for i, j := range jobs {
		g.Go(func() error {
			c, err := recipe.PeelTag(ctx, j.dir, j.tag)
			if err != nil {
				errs[i] = &InputError{Recipe: j.recipe, Err: fmt.Errorf("peeling tag %s: %w", j.tag, err)}
				return nil
			}
			*j.commit = c
			return nil
		})
	}
	g.Wait()
	return errors.Join(errs...)
}

// syncJobs is how many clones Sync fetches at a time.
const syncJobs = 4

// NetworkTimeout bounds each remote operation of a sweep (one fetch, one
// remote tag listing): a remote that accepts the connection and then
// hangs must not hold the sweep until its unit's timeout.
var NetworkTimeout = 2 * time.Minute

// Sync fetches each local clone's tags and default branch from its
// "origin" remote (recipe.Fetch), a few at a time, and calls report once
// per clone with nil or an *InputError. report is called from one
// goroutine at a time, in completion order. Recipes without a clone are
// not fetched and not reported. A failed fetch is only reported: that
// recipe is planned from what its clone holds.
func Sync(ctx context.Context, recipes []recipe.Recipe, report func(name string, err error)) {
	var g errgroup.Group
	g.SetLimit(syncJobs)
	var mu sync.Mutex
	for _, r := range recipes {
		if r.Dir == "" {
			continue
		}
		g.Go(func() error {
			fctx, cancel := context.WithTimeout(ctx, NetworkTimeout)
			err := recipe.Fetch(fctx, r.Dir)
			cancel()
			if err != nil {
				err = &InputError{Recipe: r.Name, Err: fmt.Errorf("fetching: %w", err)}
			}
			if report != nil {
				mu.Lock()
				report(r.Name, err)
				mu.Unlock()
			}
			return nil
		})
	}
	g.Wait()
}
