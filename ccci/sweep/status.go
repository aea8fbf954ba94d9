package sweep

import (
	"context"
	"fmt"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/env"
	"coopcloud.tech/cc-ci/ccci/recipe"
)

// Status is every enrolled recipe seen from outside: the decision a sweep
// with these options would make for it (the same as Plan's), its latest
// release tag, its state file record and its newest opts.History runs,
// with the environment's fingerprint and the last sweep's summary. It is
// what "cc-ci-sweep status" prints and what the status board shows. It
// takes no lock and changes nothing; problems that only blank a part of
// it (an environment that does not resolve, an unreadable summary or run
// directory) are Warning events.
func Status(ctx context.Context, cfg *ccci.Config, opts Options) (*Overview, error) {
	ev := newEvents(opts.Events)
	g, err := gather(ctx, cfg, opts, ev)
	if err != nil {
		return nil, err
	}
	ov := &Overview{Config: cfg.File}
	if e, err := env.Resolve(cfg.Env); err != nil {
		ev.warn(fmt.Errorf("fingerprint unknown: %w", err))
	} else {
		ov.Fingerprint = e.Fingerprint()
	}
	if ov.LastSweep, err = readSummary(cfg.Sweep.Runs); err != nil {
		ev.warn(err)
	}
	ds := g.decide(opts)
	ov.Recipes = make([]RecipeStatus, len(ds))
	for i, d := range ds {
		rs := RecipeStatus{Decision: d, Canonical: g.state.record(d.Recipe)}
		if in := g.find(d.Recipe); in != nil && in.err == nil {
			if v, ok := recipe.Latest(recipe.TagNames(in.tags)); ok {
				rs.Latest = v.String()
			}
		}
		if opts.History > 0 {
			if rs.Runs, err = readRuns(cfg.Sweep.Runs, d.Recipe, opts.History); err != nil {
				ev.warn(err)
			}
		}
		ov.Recipes[i] = rs
	}
	return ov, nil
}
