package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/recipe"
	"coopcloud.tech/cc-ci/ccci/sweep"
)

// cmdPlan prints what a sweep would run, and why.
func cmdPlan(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	p := newPlanFlags("plan", stderr)
	if err := parse(p.fs, args); err != nil {
		return err
	}
	o, err := p.options(stderr)
	if err != nil {
		return err
	}
	_, ds, err := sweep.Prepare(ctx, &o)
	if err != nil {
		return err
	}
	if *p.json {
		if ds == nil {
			ds = []sweep.Decision{}
		}
		return writeJSON(stdout, ds)
	}
	sweep.PrintPlan(stdout, ds)
	return nil
}

// cmdRun is one sweep.
func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	p := newPlanFlags("run", stderr)
	jobs := p.fs.Int("jobs", 0, "recipes at a time (default [sweep] jobs, else 1)")
	deferFor := p.fs.Duration("defer", 0, "how long to wait for CI jobs before deferring (default [sweep] defer, else 2h)")
	junit := p.fs.String("junit", "", "write a JUnit XML report to FILE")
	if err := parse(p.fs, args); err != nil {
		return err
	}
	if *jobs < 0 || *deferFor < 0 {
		return usagef("run: -jobs and -defer must not be negative")
	}
	o, err := p.options(stderr)
	if err != nil {
		return err
	}
	o.Jobs, o.Defer = *jobs, *deferFor
	o.Progress = func(ev sweep.Event) { fmt.Fprintln(stderr, sweep.ProgressLine(ev)) }
	s, err := sweep.Run(ctx, o)
	if s == nil {
		return err
	}
	if *junit != "" {
		if jerr := writeJUnit(*junit, s); jerr != nil {
			fmt.Fprintf(stderr, "warning: %v\n", jerr)
		}
	}
	sweep.PrintSummary(stderr, s)
	if *p.json {
		if jerr := writeJSON(stdout, s); jerr != nil && err == nil {
			err = jerr
		}
	}
	return err
}

func writeJUnit(path string, s *sweep.Summary) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("writing JUnit report: %w", err)
	}
	err = sweep.WriteJUnit(f, s)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing JUnit report %s: %w", path, err)
	}
	return nil
}

// cmdStatus prints the canonical versions and last results.
func cmdStatus(args []string, stdout, stderr io.Writer) error {
	fs, config := newFlags("status", stderr)
	asJSON := fs.Bool("json", false, "print the state file's content as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("status: unexpected argument %q", fs.Arg(0))
	}
	cfg, err := loadConfig(*config)
	if err != nil {
		return err
	}
	st, err := sweep.ReadState(cfg.Sweep.State)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, st)
	}
	sweep.PrintStatus(stdout, st)
	return nil
}

// cmdPromote makes VERSION, a release tag of RECIPE, its canonical version.
func cmdPromote(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, config := newFlags("promote", stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usagef("promote: want RECIPE VERSION")
	}
	name, version := fs.Arg(0), fs.Arg(1)
	cfg, err := loadConfig(*config)
	if err != nil {
		return err
	}
	v, commit, err := findRelease(ctx, &cfg.Sweep, name, version)
	if err != nil {
		return err
	}
	prev, err := sweep.PromoteByHand(ctx, cfg.Sweep.State, name, v, commit, time.Now().UTC())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "promoted %s %s (commit %s)\n", name, version, sweep.ShortCommit(commit))
	if old, err := recipe.Parse(prev); err == nil && recipe.Compare(v, old) < 0 {
		fmt.Fprintf(stderr, "cc-ci-sweep: note: %s %s is older than the canonical version it replaces, %s\n", name, version, prev)
	}
	return nil
}

// findRelease checks that version is a release tag of the enrolled recipe
// name and returns it with its commit.
func findRelease(ctx context.Context, cfg *ccci.Sweep, name, version string) (recipe.Version, string, error) {
	var zero recipe.Version
	if err := recipe.ValidName(name); err != nil {
		return zero, "", usagef("promote: %w", err)
	}
	recipes, _, err := sweep.Enrol(ctx, cfg, os.Getenv)
	if err != nil {
		return zero, "", err
	}
	i := slices.IndexFunc(recipes, func(r recipe.Recipe) bool { return r.Name == name })
	if i < 0 {
		return zero, "", usagef("promote: recipe %q is not enrolled", name)
	}
	dir := recipes[i].Dir
	if dir == "" {
		return zero, "", usagef("promote: recipe %q has no local clone", name)
	}
	names, err := recipe.LocalTagNames(ctx, dir)
	if err != nil {
		return zero, "", usagef("promote: reading tags of %s: %w", dir, err)
	}
	releases, _ := recipe.Releases(names)
	j := slices.IndexFunc(releases, func(v recipe.Version) bool { return v.String() == version })
	if j < 0 {
		return zero, "", usagef("promote: %q is not a release tag of %s", version, name)
	}
	commit, err := recipe.PeelTag(ctx, dir, version)
	if err != nil {
		return zero, "", fmt.Errorf("promote: %w", err)
	}
	return releases[j], commit, nil
}
