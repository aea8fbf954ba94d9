package sweep

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/recipe"
)

// Plan says, per enrolled recipe, what a sweep with these options would
// do and why: what "cc-ci-sweep plan" shows. It takes no lock and changes
// nothing (but for the environment's runtime directory: a strict view, the
// tool cache). The decisions are sorted by recipe name; a recipe whose tags
// cannot be read is a skip with reason unreadable (and a Warning event).
// A declared tool that is missing or refused, or a requirement not met,
// is a Warning event too: the plan stands, but a run would stop (exit 3).
func Plan(ctx context.Context, cfg *ccci.Config, opts Options) ([]Decision, error) {
	if cfg != nil { // a drone executor without its server, repository or token
		if err := cfg.CheckDrone(); err != nil {
			return nil, err
		}
	}
	ev := newEvents(opts.Events)
	g, err := gather(ctx, cfg, opts, ev)
	if err != nil {
		return nil, err
	}
	warnEnv(ctx, cfg, ev)
	return g.decide(opts), nil
}

// plan decides, per recipe, whether to run it and why (the table in the
// package doc). It is pure: it reads no files, no clock and no network, so
// the same inputs always give the same plan. The result is sorted by
// recipe name. st may be nil (no canonical versions).
//
// Recipes not named in opts.Only (when it names any) stay in the plan as
// skips with reason not-selected, so reports still list every enrolled
// recipe; names in opts.Only that no input holds are reported by
// Options.unknown, not here.
func plan(in []input, st *state, opts Options) []Decision {
	only := opts.selected()
	ds := make([]Decision, 0, len(in))
	for _, inp := range in {
		name := inp.recipe.Name
		switch {
		case only != nil && !only[name]:
			ds = append(ds, Decision{Recipe: name, Action: ActionSkip, Reason: NotSelected,
				Detail: "not selected by -only"})
		case inp.err != nil:
			ds = append(ds, Decision{Recipe: name, Action: ActionSkip, Reason: Unreadable,
				Detail: inp.err.Error(), Warning: true})
		default:
			ds = append(ds, planOne(inp, st.record(name), opts))
		}
	}
	slices.SortStableFunc(ds, func(a, b Decision) int { return strings.Compare(a.Recipe, b.Recipe) })
	return ds
}

// selected is the set of names in Only, or nil when it names none.
func (o Options) selected() map[string]bool {
	var m map[string]bool
	for _, n := range o.Only {
		if n = strings.TrimSpace(n); n != "" {
			if m == nil {
				m = map[string]bool{}
			}
			m[n] = true
		}
	}
	return m
}

// unknown returns the names in o.Only that no input holds, sorted, so a
// caller can refuse "-only gitae" instead of planning nothing.
func (o Options) unknown(in []input) []string {
	have := map[string]bool{}
	for _, inp := range in {
		have[inp.recipe.Name] = true
	}
	var out []string
	for n := range o.selected() {
		if !have[n] {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// planOne decides for one recipe; rec may be nil.
func planOne(inp input, rec *Record, opts Options) Decision {
	d := Decision{Recipe: inp.recipe.Name}
	names := recipe.TagNames(inp.tags)
	rels, left := recipe.Releases(names)
	d.Ignored = ignored(left)
	if len(rels) == 0 {
		d.Action, d.Reason = ActionSkip, NeverReleased
		d.Detail = fmt.Sprintf("no release tags among %d tags%s", len(names), leftOut(left))
		return d
	}
	latest := rels[len(rels)-1] // Releases sorts ascending
	d.To = latest.String()
	d.Commit = tagCommit(inp.tags, d.To)
	decide(&d, latest, rels, inp.tags, rec, opts)
	if d.Action == ActionRun && d.Reason != UpToDate {
		knownFailure(&d, rec, opts)
	}
	if d.Action != ActionRun {
		d.Commit = ""
	}
	return d
}

// decide applies the table, knowing the latest release; d.To is set.
func decide(d *Decision, latest recipe.Version, rels []recipe.Version, tags []recipe.Tag, rec *Record, opts Options) {
	canon, why := canonical(rec, latest)
	if why != "" {
		d.Action, d.Reason = ActionRun, NeverVerified
		d.Detail = why + "; latest tag " + d.To
		return
	}
	d.From = canon.String()
	switch c := recipe.Compare(canon, latest); {
	case c < 0:
		d.Action, d.Reason = ActionRun, NewVersion
		d.Detail = fmt.Sprintf("canonical %s < latest tag %s", canon, latest)
	case c > 0:
		d.Action, d.Reason, d.Warning = ActionSkip, CanonicalAhead, true
		d.Detail = fmt.Sprintf("canonical %s > latest tag %s (a tag was deleted?)", canon, latest)
	case !hasTag(rels, canon.String()):
		d.Action, d.Reason = ActionRun, Retagged
		d.Detail = fmt.Sprintf("canonical %s is no longer tagged; latest tag %s is the same version", canon, latest)
	default:
		// The canonical tag itself is (one of) the latest: the tie-break
		// between equal versions never decides whether to run.
		d.To, d.Commit = canon.String(), tagCommit(tags, canon.String())
		if rec.Commit != "" && d.Commit != "" && rec.Commit != d.Commit {
			d.Action, d.Reason, d.From = ActionRun, Retagged, newestBelow(rels, canon)
			d.Detail = fmt.Sprintf("tag %s moved from commit %.12s to %.12s", d.To, rec.Commit, d.Commit)
			return
		}
		upToDate(d, canon, rels, opts)
	}
}

// upToDate is the canonical version being (one of) the latest tags: skip,
// or in weekly mode run it again, upgrading from the release before it.
func upToDate(d *Decision, canon recipe.Version, rels []recipe.Version, opts Options) {
	d.Reason = UpToDate
	if !opts.Weekly {
		d.Action = ActionSkip
		d.Detail = fmt.Sprintf("canonical %s is the latest tag", canon)
		return
	}
	d.Action = ActionRun
	d.From = newestBelow(rels, canon)
	d.Detail = fmt.Sprintf("weekly re-verification of canonical %s", canon)
}

// canonical parses the record's version. why says why there is none usable
// (no record, no version, not a release); it is "" when canon is usable.
func canonical(rec *Record, latest recipe.Version) (canon recipe.Version, why string) {
	if rec == nil || rec.Version == "" {
		return canon, "no canonical version"
	}
	canon, err := recipe.Parse(rec.Version)
	if err != nil {
		return canon, fmt.Sprintf("canonical %q is not a version", rec.Version)
	}
	if canon.Class() != recipe.Release && canon.Class() != latest.Class() {
		return canon, fmt.Sprintf("canonical %s is not a release", canon)
	}
	return canon, ""
}

// knownFailure turns a run into a known-failure skip (nightly) or run
// (weekly, retry-failed) when the recipe's last result says this very tag
// already failed. A newer tag makes the last result stale.
func knownFailure(d *Decision, rec *Record, opts Options) {
	if rec == nil || rec.Last == nil || rec.Last.Version != d.To || !rec.Last.Verdict.known() {
		return
	}
	how := string(rec.Last.Verdict)
	if !rec.Last.TS.IsZero() {
		how += ", " + rec.Last.TS.UTC().Format("2006-01-02 15:04Z")
	}
	d.Reason = KnownFailure
	d.Detail = fmt.Sprintf("latest tag %s already failed (%s), nothing newer", d.To, how)
	switch {
	case opts.Weekly:
		d.Detail += "; weekly retry"
	case opts.RetryFailed:
		d.Detail += "; retrying (-retry-failed)"
	default:
		d.Action = ActionSkip
	}
}

// ignored lists the tags Releases left out, with their reasons.
func ignored(left []*recipe.TagError) []IgnoredTag {
	var out []IgnoredTag
	for _, e := range left {
		out = append(out, IgnoredTag{Tag: e.Tag, Reason: tagReason(e)})
	}
	return out
}

// leftOut counts the tags Releases left out by kind: " (2 pre-release,
// 1 invalid)", or "".
func leftOut(left []*recipe.TagError) string {
	var pre, legacy, invalid int
	for _, e := range left {
		switch {
		case errors.Is(e, recipe.ErrPrerelease):
			pre++
		case errors.Is(e, recipe.ErrLegacy):
			legacy++
		default:
			invalid++
		}
	}
	var parts []string
	for _, p := range []struct {
		n    int
		what string
	}{{pre, "pre-release"}, {legacy, "legacy"}, {invalid, "invalid"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// newestBelow is the newest release strictly older than v, or "";
// rels is ascending, as Releases returns it.
func newestBelow(rels []recipe.Version, v recipe.Version) string {
	for i := len(rels) - 1; i >= 0; i-- {
		if recipe.Compare(rels[i], v) < 0 {
			return rels[i].String()
		}
	}
	return ""
}

// hasTag reports whether rels holds the tag name exactly.
func hasTag(rels []recipe.Version, name string) bool {
	return slices.ContainsFunc(rels, func(v recipe.Version) bool { return v.String() == name })
}

// tagCommit is the known commit of the named tag, or "".
func tagCommit(tags []recipe.Tag, name string) string {
	for _, t := range tags {
		if t.Name == name {
			return t.Commit
		}
	}
	return ""
}
