package sweep_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/env"
	"coopcloud.tech/cc-ci/ccci/sweep"
)

// A whole sweep over one recipe clone with two release tags and no
// canonical version yet: the latest tag is tested by a runner script in
// the declared environment and promoted; a second sweep has nothing to do.
func ExampleRun() {
	root, _ := os.MkdirTemp("", "sweep-example-")
	defer os.RemoveAll(root)
	repo := filepath.Join(root, "recipes", "gitea")
	gitRun := func(args ...string) {
		cmd := exec.Command("git", append([]string{"-C", repo}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_AUTHOR_NAME=ex",
			"GIT_AUTHOR_EMAIL=ex@example.org", "GIT_COMMITTER_NAME=ex", "GIT_COMMITTER_EMAIL=ex@example.org")
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Println(err, string(out))
		}
	}
	os.MkdirAll(repo, 0o755)
	gitRun("init", "-q")
	for _, tag := range []string{"3.5.3+1.24.2", "3.6.0+1.24.2"} {
		gitRun("commit", "-q", "--allow-empty", "-m", tag)
		gitRun("tag", tag)
	}
	runner := filepath.Join(root, "test-recipe.sh")
	os.WriteFile(runner, []byte("#!/bin/sh\ntest -d \"$ABRA_DIR/recipes/$CCCI_RECIPE\"\n"), 0o755)

	cfg := &ccci.Config{
		Env: env.Spec{Path: []string{"/usr/bin", "/bin"}, Tools: []string{"sh"}},
		Sweep: ccci.Sweep{
			Recipes: filepath.Join(root, "recipes"),
			State:   filepath.Join(root, "state.json"),
			Run:     []string{runner},
			Lockdir: filepath.Join(root, "lock"),
		},
	}
	for range 2 {
		s, err := sweep.Run(context.Background(), sweep.RunOptions{Config: cfg})
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		for _, o := range s.Outcomes {
			fmt.Printf("%s %s %s -> %s: %s, promoted %v\n", s.Status, o.Recipe, o.Reason, o.To, o.Verdict, o.Promoted)
		}
	}
	st, _ := sweep.ReadState(cfg.Sweep.State)
	fmt.Println("canonical:", st.Recipes["gitea"].Version)
	// Output:
	// ok gitea never-verified -> 3.6.0+1.24.2: pass, promoted true
	// ok gitea up-to-date -> 3.6.0+1.24.2: skipped, promoted false
	// canonical: 3.6.0+1.24.2
}
