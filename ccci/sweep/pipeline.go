package sweep

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/recipe"
)

// The one pipeline every verb reads through: enrol the configured
// recipes, fetch their tags when asked, read their tag names, read the
// state file and peel the canonical tags. Plan, Run, Status and the board
// all decide from what gather returns, so they cannot disagree.

// input is one enrolled recipe and its tags, or why they could not be
// read. Commits may be empty: names are read first, and only the tags a
// decision needs are peeled afterwards.
type input struct {
	recipe recipe.Recipe
	tags   []recipe.Tag
	err    error // the tags could not be read
}

// gathered is what the pipeline read.
type gathered struct {
	cfg    *ccci.Config
	inputs []input // sorted by recipe name
	state  *state
}

// gather runs the pipeline. An empty enrolment, an unreadable state file
// and -only naming recipes that are not enrolled are errors; a recipe
// whose tags cannot be read is kept with its error, and reported.
func gather(ctx context.Context, cfg *ccci.Config, opts Options, ev *events) (*gathered, error) {
	if cfg == nil {
		return nil, errors.New("sweep: no config")
	}
	recipes, err := enrol(ctx, cfg, ev)
	if err != nil {
		return nil, err
	}
	if opts.Sync || cfg.Sweep.Sync {
		syncClones(ctx, recipes, ev)
	}
	in := readInputs(ctx, recipes)
	for _, inp := range in {
		if inp.err != nil {
			ev.warn(fmt.Errorf("recipe %s: %w", inp.recipe.Name, inp.err))
		}
	}
	if unknown := opts.unknown(in); len(unknown) > 0 {
		return nil, ccci.Usagef("-only names recipes that are not enrolled: %s", strings.Join(unknown, ", "))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	st, err := readState(cfg.Sweep.State)
	if err != nil {
		return nil, err
	}
	// A canonical tag moved since it passed plans as retagged; a recipe
	// whose canonical tag cannot be peeled is planned without.
	if err := peelCanonical(ctx, in, st); err != nil {
		ev.warn(err)
	}
	return &gathered{cfg: cfg, inputs: in, state: st}, nil
}

// decide is the plan of what gather read.
func (g *gathered) decide(opts Options) []Decision { return plan(g.inputs, g.state, opts) }

// find returns the input of the named recipe, or nil.
func (g *gathered) find(name string) *input {
	i := slices.IndexFunc(g.inputs, func(in input) bool { return in.recipe.Name == name })
	if i < 0 {
		return nil
	}
	return &g.inputs[i]
}

// enrol lists the recipes the sweep covers, sorted by name: the catalogue
// file if set, else the folder of clones, minus the excluded ones.
// Entries the source holds but cannot use are reported as warnings. An
// empty set, or a source that cannot be read, is an error wrapping
// ccci.ErrNothingEnrolled (exit 3) that names the source; an excluded name
// the source does not hold (a typo) is a config error at its line, as
// -only's is a usage error.
func enrol(ctx context.Context, cfg *ccci.Config, ev *events) ([]recipe.Recipe, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s := &cfg.Sweep
	src, all, skipped, err := enrolSource(s)
	for _, e := range skipped {
		ev.warn(e)
	}
	if err != nil {
		return nil, fmt.Errorf("enrolling recipes from %s: %w: %w", src, ccci.ErrNothingEnrolled, err)
	}
	var recipes []recipe.Recipe
	for _, r := range all {
		if !slices.Contains(s.Exclude, r.Name) {
			recipes = append(recipes, r)
		}
	}
	if unknown := notIn(s.Exclude, all); len(unknown) > 0 {
		return nil, cfg.KeyError("sweep.exclude", fmt.Errorf("sweep.exclude names recipes %s does not hold: %s",
			src, strings.Join(unknown, ", ")))
	}
	if len(recipes) == 0 {
		return nil, &enrolError{src: src, found: len(all), excluded: len(all) - len(recipes), skipped: len(skipped)}
	}
	return recipes, nil
}

// notIn returns the names that none of rs has, in order.
func notIn(names []string, rs []recipe.Recipe) []string {
	var out []string
	for _, n := range names {
		if !slices.ContainsFunc(rs, func(r recipe.Recipe) bool { return r.Name == n }) {
			out = append(out, n)
		}
	}
	return out
}

// enrolSource reads the configured source; src names it for messages.
func enrolSource(cfg *ccci.Sweep) (src string, rs []recipe.Recipe, skipped []error, err error) {
	switch {
	case cfg.Catalogue != "":
		rs, skipped, err = recipe.FromCatalogue(cfg.Catalogue)
		return "catalogue " + cfg.Catalogue, rs, skipped, err
	case cfg.Recipes == "":
		return "folder (none)", nil, nil, errors.New("no recipes folder: set [sweep] recipes, $ABRA_DIR or $HOME")
	}
	rs, skipped, err = recipe.FromDir(cfg.Recipes)
	return "folder " + cfg.Recipes, rs, skipped, err
}

// enrolError is an empty enrolled set.
type enrolError struct {
	src                      string
	found, excluded, skipped int
}

func (e *enrolError) Error() string {
	return fmt.Sprintf("enrolling recipes from %s: %s (%d found, %d excluded, %d skipped)",
		e.src, ccci.ErrNothingEnrolled, e.found, e.excluded, e.skipped)
}

func (e *enrolError) Unwrap() error { return ccci.ErrNothingEnrolled }

// events serialises calls to Options.Events; its zero value and a nil
// pointer report nothing.
type events struct {
	mu sync.Mutex
	fn func(Event)
}

func newEvents(fn func(Event)) *events { return &events{fn: fn} }

func (e *events) emit(ev Event) {
	if e == nil || e.fn == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.fn(ev)
}

func (e *events) warn(err error) { e.emit(Event{Kind: Warning, Err: err}) }
