package ccci

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"coopcloud.tech/cc-ci/ccci/env"
	"coopcloud.tech/cc-ci/internal/recipename"
	"github.com/BurntSushi/toml"
)

// validate checks the decoded values; each problem names its key. A file
// without [env] declares the built-in default environment.
func (d *decoder) validate(c *Config) {
	if _, ok := d.raw["env"]; !ok {
		c.Env = DefaultSpec()
	} else {
		spec := c.Env
		spec.Strict = false // its rules need the lock directory: setRuntime checks them
		d.checkEnv(spec)
	}
	d.checkSweep(&c.Sweep)
	d.checkDrone(c)
}

// checkEnv applies the env package's rules (env.Validate), each problem
// at the line of the key it names.
func (d *decoder) checkEnv(spec env.Spec) {
	err := env.Validate(spec)
	if err == nil {
		return
	}
	errs := []error{err}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		errs = joined.Unwrap()
	}
	for _, e := range errs {
		d.add(specKey(e), e)
	}
}

// setRuntime gives [env] its runtime directory, <lockdir>/env (the strict
// views and the tool cache), once the lock directory is known, and checks
// the env rules that depend on it: env.strict with a lock directory that
// cannot be on PATH is an error at env.strict's line.
func (d *decoder) setRuntime(c *Config) {
	c.Env.RuntimeDir = RuntimeDir(c.Sweep.Lockdir)
	if c.Env.Strict {
		d.checkEnv(c.Env) // the rest passed before: only strict's problems come back
	}
}

func (d *decoder) checkSweep(s *Sweep) {
	num := func(name string, v, lowest int) {
		if v < lowest {
			d.add(toml.Key{"sweep", name}, fmt.Errorf("sweep.%s: %d is less than %d", name, v, lowest))
		}
	}
	num("jobs", s.Jobs, 1)
	num("history", s.History, 1)
	num("log_tail", s.LogTail, 0)
	num("keep", s.Keep, 0)
	num("retries", s.Retries, 0)
	if s.Timeout <= 0 {
		d.add(toml.Key{"sweep", "timeout"}, fmt.Errorf("sweep.timeout: %v is not positive", s.Timeout))
	}
	for name, v := range map[string]int64{"grace": int64(s.Grace), "defer": int64(s.Defer)} {
		if v < 0 {
			d.add(toml.Key{"sweep", name}, fmt.Errorf("sweep.%s: negative", name))
		}
	}
	paths := map[string]string{"recipes": s.Recipes, "state": s.State, "runs": s.Runs, "lockdir": s.Lockdir, "metrics": s.Metrics}
	if !strings.Contains(s.Catalogue, "://") {
		paths["catalogue"] = s.Catalogue
	}
	for _, name := range sortedKeys(paths) {
		d.checkAbs(name, paths[name])
	}
	for _, p := range s.DiskPaths {
		if p == "" {
			d.add(toml.Key{"sweep", "disk_paths"}, errors.New("sweep.disk_paths: an empty path"))
		}
		d.checkAbs("disk_paths", p)
	}
	for _, r := range s.Exclude {
		if err := recipename.Check(r); err != nil {
			d.add(toml.Key{"sweep", "exclude"}, fmt.Errorf("sweep.exclude: %w", err))
		}
	}
	for name, argv := range map[string][]string{"run": s.Run, "notify": s.Notify} {
		switch {
		case len(argv) == 0:
		case argv[0] == "":
			d.add(toml.Key{"sweep", name}, fmt.Errorf("sweep.%s: the command is empty", name))
		case strings.Contains(argv[0], "/") && !filepath.IsAbs(argv[0]):
			d.add(toml.Key{"sweep", name}, fmt.Errorf("sweep.%s: %q is a relative path: write it absolute, or a bare name found in env.path", name, argv[0]))
		}
	}
}

// checkAbs reports a path of [sweep] that is neither absolute nor "~/...".
func (d *decoder) checkAbs(name, p string) {
	if p != "" && !filepath.IsAbs(p) && p != "~" && !strings.HasPrefix(p, "~/") {
		d.add(toml.Key{"sweep", name}, fmt.Errorf("sweep.%s: %q is not an absolute path", name, p))
	}
}

// specKey turns an *env.SpecError's Key ("path[1]", "vars.PATH") into
// the config key whose line the error gets.
func specKey(err error) toml.Key {
	var se *env.SpecError
	if !errors.As(err, &se) {
		return toml.Key{"env"}
	}
	name, _, _ := strings.Cut(se.Key, "[")
	return append(toml.Key{"env"}, strings.Split(name, ".")...)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
