package ccci_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"coopcloud.tech/cc-ci/ccci"
)

func ExampleParseConfig() {
	data := []byte(`
[env]
path  = ["/usr/bin", "/bin"]
tools = ["git", "bash"]
pass  = ["DRONE_*"]

[sweep]
state   = "/srv/cc-ci/canonical.json"
run     = ["/var/lib/cc-ci/cc-ci/runner/run_recipe_ci.py"]
timeout = "45m"
`)
	cfg, err := ccci.ParseConfig("ccci.toml", data, func(string) string { return "/home/ci" })
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Env.Tools, cfg.Sweep.Runs, cfg.Sweep.Timeout, cfg.Sweep.Jobs, cfg.Sweep.Lockdir)

	_, err = ccci.ParseConfig("ccci.toml", []byte("[env]\npath = [\"/bin\"]\ntols = [\"git\"]\n"), nil)
	fmt.Println(err)
	fmt.Println("exit", ccci.ExitCode(err))
	// Output:
	// [git bash] /srv/cc-ci/runs 45m0s 1 /run/cc-ci
	// ccci.toml:3: unknown key "env.tols"
	// exit 2
}

func ExampleExitCode() {
	for _, err := range []error{
		nil,
		fmt.Errorf("recipe gitea: %w", ccci.ErrFailed),
		fmt.Errorf("-jobs: %w", ccci.ErrUsage),
		ccci.ErrNothingEnrolled,
		&ccci.LockedError{Path: "/run/cc-ci/sweep.lock", PID: 4242},
		context.Canceled,
		errors.New("anything else"),
	} {
		fmt.Println(ccci.ExitCode(err), err)
	}
	// Output:
	// 0 <nil>
	// 1 recipe gitea: a recipe test failed
	// 2 -jobs: usage
	// 3 nothing enrolled
	// 75 lock /run/cc-ci/sweep.lock is held by PID 4242
	// 130 context canceled
	// 1 anything else
}

func ExampleTryLock() {
	dir, _ := os.MkdirTemp("", "ccci-example")
	defer os.RemoveAll(dir)
	lockdir := filepath.Join(dir, "locks")

	sweep, err := ccci.TryLock(ccci.SweepLockPath(lockdir))
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = ccci.TryLock(ccci.SweepLockPath(lockdir)) // a second sweep
	fmt.Println(errors.Is(err, ccci.ErrLocked), ccci.ExitCode(err))
	sweep.Unlock()

	again, err := ccci.TryLock(ccci.SweepLockPath(lockdir))
	fmt.Println(err)
	again.Unlock()
	// Output:
	// true 75
	// <nil>
}
