package sweep_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/sweep"
	"coopcloud.tech/cc-ci/internal/gittest"
)

// exampleSetup makes a folder of recipe clones (name -> tags, one commit
// each), a state file holding canonical versions (name -> version), a
// runner script and a config naming them, and returns the config.
func exampleSetup(root string, recipes map[string][]string, canonical map[string]string) *ccci.Config {
	for name, tags := range recipes {
		repo := filepath.Join(root, "recipes", name)
		os.MkdirAll(repo, 0o755)
		git := func(args ...string) {
			if out, err := gittest.Command(root, repo, args...).CombinedOutput(); err != nil {
				fmt.Println(err, string(out))
			}
		}
		git("init", "-q")
		for _, tag := range tags {
			git("commit", "-q", "--allow-empty", "-m", tag)
			git("tag", tag)
		}
	}
	var records []string
	for name, v := range canonical {
		records = append(records, fmt.Sprintf("%q: {\"version\": %q, \"status\": \"pass\"}", name, v))
	}
	os.WriteFile(filepath.Join(root, "state.json"), []byte(`{"schema": 1, "recipes": {`+strings.Join(records, ", ")+"}}"), 0o644)
	os.WriteFile(filepath.Join(root, "test-recipe.sh"), []byte("#!/bin/sh\ntest -d \"$ABRA_DIR/recipes/$CCCI_RECIPE\"\n"), 0o755)
	file := filepath.Join(root, "ccci.toml")
	toml := fmt.Sprintf("[env]\npath = [\"/usr/bin\", \"/bin\"]\ntools = [\"sh\"]\n[sweep]\nrecipes = %q\nstate = %q\nrun = [%q]\nlockdir = %q\n",
		filepath.Join(root, "recipes"), filepath.Join(root, "state.json"), filepath.Join(root, "test-recipe.sh"), filepath.Join(root, "lock"))
	os.WriteFile(file, []byte(toml), 0o644)
	cfg, err := ccci.LoadConfig(file, nil)
	if err != nil {
		fmt.Println(err)
	}
	return cfg
}

// Plan decides from the recipes' release tags and the canonical state:
// the latest tag is the highest version, never the newest by date.
func ExamplePlan() {
	root, _ := os.MkdirTemp("", "sweep-example-")
	defer os.RemoveAll(root)
	cfg := exampleSetup(root, map[string][]string{
		"gitea":     {"3.5.3+1.24.2", "3.6.0+1.24.2"},
		"nextcloud": {"6.0.1+28.0.2-fpm", "5.0.3+27.0.1-fpm"}, // a back-port tagged last
	}, map[string]string{"gitea": "3.5.3+1.24.2", "nextcloud": "6.0.1+28.0.2-fpm"})

	ds, err := sweep.Plan(context.Background(), cfg, sweep.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range ds {
		fmt.Printf("%s: %s (%s) %s\n", d.Recipe, d.Action, d.Reason, d.Detail)
	}
	// Output:
	// gitea: run (new-version) canonical 3.5.3+1.24.2 < latest tag 3.6.0+1.24.2
	// nextcloud: skip (up-to-date) canonical 6.0.1+28.0.2-fpm is the latest tag
}

// A whole sweep over one recipe clone with two release tags and no
// canonical version yet: the latest tag is tested by a runner script in
// the declared environment and promoted; a second sweep has nothing to do.
func ExampleRun() {
	root, _ := os.MkdirTemp("", "sweep-example-")
	defer os.RemoveAll(root)
	cfg := exampleSetup(root, map[string][]string{"gitea": {"3.5.3+1.24.2", "3.6.0+1.24.2"}}, nil)

	for range 2 {
		s, err := sweep.Run(context.Background(), cfg, sweep.Options{})
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		for _, o := range s.Outcomes {
			fmt.Printf("%s %s %s -> %s: %s, promoted %v\n", s.Status, o.Recipe, o.Reason, o.To, o.Verdict, o.Promoted)
		}
	}
	ov, _ := sweep.Status(context.Background(), cfg, sweep.Options{})
	fmt.Println("canonical:", ov.Recipes[0].Canonical.Version)
	// Output:
	// ok gitea never-verified -> 3.6.0+1.24.2: pass, promoted true
	// ok gitea up-to-date -> 3.6.0+1.24.2: skipped, promoted false
	// canonical: 3.6.0+1.24.2
}

// PromoteByHand makes a release tag canonical without a run; the state
// file says so.
func ExamplePromoteByHand() {
	root, _ := os.MkdirTemp("", "sweep-example-")
	defer os.RemoveAll(root)
	cfg := exampleSetup(root, map[string][]string{"gitea": {"3.5.3+1.24.2", "3.6.0+1.24.2"}}, nil)

	p, err := sweep.PromoteByHand(context.Background(), cfg, "gitea", "3.5.3+1.24.2")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("promoted", p.Recipe, p.Version)
	ov, _ := sweep.Status(context.Background(), cfg, sweep.Options{})
	r := ov.Recipes[0]
	fmt.Println(r.Canonical.Version, r.Canonical.Status, r.Reason)
	// Output:
	// promoted gitea 3.5.3+1.24.2
	// 3.5.3+1.24.2 promoted-by-hand new-version
}

func ExampleSummary_VerdictCounts() {
	s := &sweep.Summary{Outcomes: []sweep.Outcome{
		{Verdict: sweep.Pass}, {Verdict: sweep.Fail}, {Verdict: sweep.Pass}, {},
	}}
	fmt.Println(s.VerdictCounts())
	// Output: 2 pass, 1 fail, 1 skipped
}
