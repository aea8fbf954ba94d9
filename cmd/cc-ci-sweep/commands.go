package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/sweep"
)

// The subcommands: each adds its flags to fs and returns what it does
// once they are parsed. They only map flags to a verb of package sweep
// and print its result.

func planFlags(fs *flag.FlagSet) func(context.Context, *ccci.Config, []string, io.Writer, io.Writer) error {
	options := planOptions(fs)
	asJSON := fs.Bool("json", false, "print only the plan JSON on stdout")
	return func(ctx context.Context, cfg *ccci.Config, _ []string, stdout, stderr io.Writer) error {
		ds, err := sweep.Plan(ctx, cfg, options(stderr))
		if err != nil {
			return err
		}
		if *asJSON {
			if ds == nil {
				ds = []sweep.Decision{}
			}
			return writeJSON(stdout, ds)
		}
		sweep.PrintPlan(stdout, ds)
		fmt.Fprintln(stdout, sweep.Destination(cfg))
		return nil
	}
}

func runFlags(fs *flag.FlagSet) func(context.Context, *ccci.Config, []string, io.Writer, io.Writer) error {
	options := planOptions(fs)
	asJSON := fs.Bool("json", false, "print only the sweep summary JSON on stdout")
	jobs := fs.Int("jobs", 0, "recipes tested at a time (default [sweep] jobs)")
	deferFor := fs.Duration("defer", 0, "how long to wait for CI jobs to end before deferring with exit 75 (default [sweep] defer)")
	junit := fs.String("junit", "", "also write a JUnit XML report to `FILE`")
	return func(ctx context.Context, cfg *ccci.Config, _ []string, stdout, stderr io.Writer) error {
		if *jobs < 0 || *deferFor < 0 {
			return ccci.Usagef("run: -jobs and -defer must not be negative")
		}
		o := options(stderr)
		o.Jobs, o.Defer = *jobs, *deferFor
		s, err := sweep.Run(ctx, cfg, o)
		if s == nil {
			return err
		}
		if *junit != "" {
			if jerr := writeJUnit(*junit, s); jerr != nil {
				fmt.Fprintf(stderr, "warning: %v\n", jerr)
			}
		}
		sweep.PrintSummary(stderr, s)
		if *asJSON {
			if jerr := writeJSON(stdout, s); jerr != nil && err == nil {
				err = jerr
			}
		}
		return err
	}
}

func writeJUnit(path string, s *sweep.Summary) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("writing JUnit report: %w", err)
	}
	err = s.WriteJUnit(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing JUnit report %s: %w", path, err)
	}
	return nil
}

func statusFlags(fs *flag.FlagSet) func(context.Context, *ccci.Config, []string, io.Writer, io.Writer) error {
	options := planOptions(fs)
	asJSON := fs.Bool("json", false, "print only JSON on stdout: the config, fingerprint, last sweep and every recipe")
	return func(ctx context.Context, cfg *ccci.Config, _ []string, stdout, stderr io.Writer) error {
		ov, err := sweep.Status(ctx, cfg, options(stderr))
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(stdout, ov)
		}
		sweep.PrintStatus(stdout, ov)
		return nil
	}
}

func promoteFlags(*flag.FlagSet) func(context.Context, *ccci.Config, []string, io.Writer, io.Writer) error {
	return func(ctx context.Context, cfg *ccci.Config, args []string, stdout, stderr io.Writer) error {
		p, err := sweep.PromoteByHand(ctx, cfg, args[0], args[1])
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "promoted %s %s (commit %.12s)\n", p.Recipe, p.Version, p.Commit)
		if p.Older {
			fmt.Fprintf(stderr, "cc-ci-sweep: note: %s %s is older than the canonical version it replaces, %s\n", p.Recipe, p.Version, p.Replaced)
		}
		return nil
	}
}

func tagsFlags(fs *flag.FlagSet) func(context.Context, *ccci.Config, []string, io.Writer, io.Writer) error {
	asJSON := fs.Bool("json", false, "print only JSON on stdout")
	return func(ctx context.Context, cfg *ccci.Config, args []string, stdout, stderr io.Writer) error {
		tags, err := sweep.Tags(ctx, cfg, args[0])
		if err != nil {
			return err
		}
		if *asJSON {
			if tags == nil {
				tags = []sweep.TagInfo{}
			}
			return writeJSON(stdout, tags)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TAG\tCOMMIT\tCOUNTS")
		for _, t := range tags {
			counts := "release"
			switch {
			case t.Latest:
				counts = "release, latest"
			case !t.Release:
				counts = "ignored: " + t.Ignored
			}
			fmt.Fprintf(tw, "%s\t%.12s\t%s\n", t.Name, t.Commit, counts)
		}
		return tw.Flush()
	}
}

func initFlags(*flag.FlagSet) func(context.Context, *ccci.Config, []string, io.Writer, io.Writer) error {
	return func(ctx context.Context, cfg *ccci.Config, _ []string, stdout, _ io.Writer) error {
		created, err := sweep.Init(ctx, cfg)
		switch {
		case err != nil:
			return err
		case created:
			fmt.Fprintf(stdout, "created %s: no canonical versions yet, the first sweep tests every recipe\n", cfg.Sweep.State)
		default:
			fmt.Fprintf(stdout, "%s exists: left as it is\n", cfg.Sweep.State)
		}
		return nil
	}
}
