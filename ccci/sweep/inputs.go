package sweep

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"coopcloud.tech/cc-ci/ccci/recipe"
)

// errNoSource is a recipe with neither a clone nor a repository URL.
var errNoSource = errors.New("no local clone and no repository URL")

// networkTimeout bounds each remote operation of a sweep (one fetch, one
// remote tag listing): a remote that accepts the connection and then
// hangs must not hold the sweep until its unit's timeout. A variable for
// the tests.
var networkTimeout = 2 * time.Minute

// readInputs reads each recipe's tag names, GOMAXPROCS at a time (local
// I/O; [sweep] jobs bounds recipe runs, not this). Tags of a local clone
// are names only (Commit ""), since listing is cheap and peeling annotated
// tags is not; a recipe known only by its repository URL is listed
// remotely, commits included. A recipe whose tags cannot be read keeps its
// place, with the error. The result is in the order given.
func readInputs(ctx context.Context, recipes []recipe.Recipe) []input {
	in := make([]input, len(recipes))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, r := range recipes {
		in[i].recipe = r
		g.Go(func() error {
			in[i].tags, in[i].err = readTags(ctx, r) // its errors name the clone or URL
			return nil
		})
	}
	_ = g.Wait() // the goroutines never fail; errors stay with their recipe
	return in
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
		ctx, cancel := context.WithTimeout(ctx, networkTimeout)
		defer cancel()
		return recipe.RemoteTags(ctx, r.Repository)
	}
	return nil, errNoSource
}

// syncJobs is how many clones syncClones fetches at a time.
const syncJobs = 4

// syncClones fetches each local clone's tags and default branch from its
// "origin" remote (recipe.Fetch), a few at a time, and reports each fetch
// as a Fetched event. A failed fetch is only reported: that recipe is
// planned from what its clone holds. Recipes without a clone are not
// fetched.
func syncClones(ctx context.Context, recipes []recipe.Recipe, ev *events) {
	var g errgroup.Group
	g.SetLimit(syncJobs)
	for _, r := range recipes {
		if r.Dir == "" {
			continue
		}
		g.Go(func() error {
			fctx, cancel := context.WithTimeout(ctx, networkTimeout)
			err := recipe.Fetch(fctx, r.Dir)
			cancel()
			if err != nil {
				err = fmt.Errorf("recipe %s: fetching: %w", r.Name, err)
			}
			ev.emit(Event{Kind: Fetched, Recipe: r.Name, Err: err})
			return nil
		})
	}
	_ = g.Wait()
}

// peelRuns fills Decision.Commit for every run decision that lacks it, by
// peeling its To tag in the recipe's clone. A decision whose tag cannot be
// peeled gets its reason in failed (by recipe); the others are not held up.
func peelRuns(ctx context.Context, in []input, ds []Decision) (failed map[string]error) {
	byName := make(map[string]*input, len(in))
	for i := range in {
		byName[in[i].recipe.Name] = &in[i]
	}
	failed = map[string]error{}
	var jobs []peelJob
	for i := range ds {
		d := &ds[i]
		if d.Action != ActionRun || d.Commit != "" {
			continue
		}
		switch inp := byName[d.Recipe]; {
		case inp == nil:
			failed[d.Recipe] = fmt.Errorf("peeling tag %s: recipe not among the inputs", d.To)
		case inp.recipe.Dir == "":
			failed[d.Recipe] = fmt.Errorf("peeling tag %s: no local clone", d.To)
		default:
			jobs = append(jobs, peelJob{recipe: d.Recipe, dir: inp.recipe.Dir, tag: d.To, commit: &d.Commit})
		}
	}
	for i, err := range peelEach(ctx, jobs) {
		if err != nil {
			failed[jobs[i].recipe] = err
		}
	}
	return failed
}

// peelCanonical peels, in place, each input's tag that is its recipe's
// canonical version in st (when the state records a commit for it), so
// that the plan sees a canonical tag moved to another commit since it
// passed (reason retagged) instead of calling it up to date. The error
// joins one per tag that could not be peeled; such tags keep an empty
// commit, which the plan does not compare.
func peelCanonical(ctx context.Context, in []input, st *state) error {
	var jobs []peelJob
	for i := range in {
		rec := st.record(in[i].recipe.Name)
		if rec == nil || rec.Commit == "" || in[i].recipe.Dir == "" || in[i].err != nil {
			continue
		}
		j := slices.IndexFunc(in[i].tags, func(t recipe.Tag) bool { return t.Name == rec.Version })
		if j < 0 || in[i].tags[j].Commit != "" {
			continue
		}
		jobs = append(jobs, peelJob{recipe: in[i].recipe.Name, dir: in[i].recipe.Dir, tag: rec.Version, commit: &in[i].tags[j].Commit})
	}
	var errs []error
	for i, err := range peelEach(ctx, jobs) {
		if err != nil {
			errs = append(errs, fmt.Errorf("recipe %s: %w", jobs[i].recipe, err))
		}
	}
	return errors.Join(errs...)
}

// peelJob is one tag to peel and where its commit goes.
type peelJob struct {
	recipe, dir, tag string
	commit           *string
}

// peelEach peels every job's tag, GOMAXPROCS at a time; errs[i] belongs
// to jobs[i]. Each job writes only its own commit, so no lock is needed.
func peelEach(ctx context.Context, jobs []peelJob) (errs []error) {
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	errs = make([]error, len(jobs))
	for i, j := range jobs {
		g.Go(func() error {
			c, err := recipe.PeelTag(ctx, j.dir, j.tag)
			if err != nil {
				errs[i] = fmt.Errorf("peeling tag %s: %w", j.tag, err)
				return nil
			}
			*j.commit = c
			return nil
		})
	}
	_ = g.Wait()
	return errs
}
