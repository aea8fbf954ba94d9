package sweep_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"coopcloud.tech/cc-ci/ccci/recipe"
	"coopcloud.tech/cc-ci/ccci/sweep"
)

// Plan decides from tag names and the canonical state alone.
func ExamplePlan() {
	in := []sweep.Input{
		{Recipe: recipe.Recipe{Name: "nextcloud"}, Tags: []recipe.Tag{
			{Name: "6.0.1+28.0.2-fpm"}, {Name: "5.0.3+27.0.1-fpm"}, // a back-port tagged last
		}},
		{Recipe: recipe.Recipe{Name: "gitea"}, Tags: []recipe.Tag{
			{Name: "3.5.3+1.24.2"}, {Name: "3.6.0+1.24.2"},
		}},
	}
	st := sweep.NewState()
	st.Recipes["gitea"] = &sweep.Record{Version: "3.5.3+1.24.2", Status: sweep.StatusPass}
	st.Recipes["nextcloud"] = &sweep.Record{Version: "6.0.1+28.0.2-fpm", Status: sweep.StatusPass}
	for _, d := range sweep.Plan(in, st, sweep.Options{}) {
		fmt.Printf("%s: %s (%s) %s\n", d.Recipe, d.Action, d.Reason, d.Detail)
	}
	// Output:
	// gitea: run (new-version) canonical 3.5.3+1.24.2 < latest tag 3.6.0+1.24.2
	// nextcloud: skip (up-to-date) canonical 6.0.1+28.0.2-fpm is the latest tag
}

// Promote records a passing version; the state file is written atomically
// under a lock.
func ExamplePromote() {
	dir, _ := os.MkdirTemp("", "state")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "canonical.json")
	v, _ := recipe.Parse("3.6.0+1.24.2")
	now := time.Date(2026, 11, 21, 2, 4, 12, 0, time.UTC)
	if err := sweep.Promote(context.Background(), path, "gitea", v, "4f0c5e3a9b1d2c7e8f6a0b1c2d3e4f5a6b7c8d9e", now); err != nil {
		fmt.Println(err)
		return
	}
	st, err := sweep.ReadState(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := json.Marshal(st.Record("gitea"))
	fmt.Println(string(b))
	// Output:
	// {"version":"3.6.0+1.24.2","commit":"4f0c5e3a9b1d2c7e8f6a0b1c2d3e4f5a6b7c8d9e","status":"pass","ts":"2026-11-21T02:04:12Z"}
}

func ExampleCountVerdicts() {
	fmt.Println(sweep.CountVerdicts([]sweep.Outcome{
		{Verdict: sweep.Pass}, {Verdict: sweep.Fail}, {Verdict: sweep.Pass}, {},
	}))
	// Output: 2 pass, 1 fail, 1 skipped
}
