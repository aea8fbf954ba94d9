package ccci

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"coopcloud.tech/cc-ci/ccci/env"
	"github.com/BurntSushi/toml"
	version "github.com/hashicorp/go-version"
)

// recipeName is the rule recipe names follow before they touch a path;
// compiled on first use, to keep it off cc-ci-run's start-up.
var recipeName = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
})

// validate checks the decoded values; each problem names its key. A file
// without [env] declares the built-in default environment.
func (d *decoder) validate(c *Config) {
	if _, ok := d.raw["env"]; !ok {
		c.Env = DefaultSpec()
	} else {
		d.checkEnvPath(c.Env.Path)
		d.checkTools(c.Env.Tools)
		d.checkPass(c.Env.Pass)
		d.checkVars(c.Env.Vars)
		d.checkRequire(c.Env.Tools, c.Env.Require, c.Env.VersionFlags)
		if len(d.problems) == 0 {
			if err := env.Validate(c.Env); err != nil { // the env package's own rules
				d.add(specKey(err), err)
			}
		}
	}
	d.checkSweep(&c.Sweep)
}

func (d *decoder) checkEnvPath(dirs []string) {
	key := toml.Key{"env", "path"}
	if len(dirs) == 0 {
		d.add(toml.Key{"env"}, errors.New("env.path: missing: declare the directories tools are found in"))
	}
	for _, dir := range dirs {
		if !filepath.IsAbs(dir) {
			d.add(key, fmt.Errorf("env.path: %q is not an absolute directory", dir))
		}
	}
}

func (d *decoder) checkTools(tools []string) {
	for i, t := range tools {
		switch {
		case t == "" || strings.ContainsRune(t, '/'):
			d.add(toml.Key{"env", "tools"}, fmt.Errorf("env.tools: %q is not a command name", t))
		case slices.Contains(tools[:i], t):
			d.add(toml.Key{"env", "tools"}, fmt.Errorf("env.tools: %q is listed twice", t))
		}
	}
}

func (d *decoder) checkPass(pass []string) {
	for _, p := range pass {
		if _, err := path.Match(p, ""); err != nil || p == "" || strings.ContainsRune(p, '=') {
			d.add(toml.Key{"env", "pass"}, fmt.Errorf("env.pass: %q is not a variable name or glob", p))
		}
	}
}

func (d *decoder) checkVars(vars map[string]string) {
	for _, name := range sortedKeys(vars) {
		key := toml.Key{"env", "vars", name}
		switch {
		case name == "" || strings.ContainsAny(name, "= \t\n"):
			d.add(key, fmt.Errorf("env.vars: %q is not a variable name", name))
		case name == "PATH":
			d.add(key, errors.New("env.vars.PATH: PATH is made from env.path"))
		}
	}
}

// checkRequire checks that constraints and version flags name declared
// tools and that the constraints parse.
func (d *decoder) checkRequire(tools []string, require, flags map[string]string) {
	for _, tool := range sortedKeys(require) {
		key := toml.Key{"env", "require", tool}
		if !slices.Contains(tools, tool) {
			d.add(key, fmt.Errorf("env.require: %q is not in env.tools", tool))
		} else if _, err := version.NewConstraint(require[tool]); err != nil {
			d.add(key, fmt.Errorf("env.require.%s: %q is not a version constraint", tool, require[tool]))
		}
	}
	for _, tool := range sortedKeys(flags) {
		if !slices.Contains(tools, tool) {
			d.add(toml.Key{"env", "version_flags", tool},
				fmt.Errorf("env.version_flags: %q is not in env.tools", tool))
		}
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
	if s.Timeout <= 0 {
		d.add(toml.Key{"sweep", "timeout"}, fmt.Errorf("sweep.timeout: %v is not positive", s.Timeout))
	}
	for name, v := range map[string]int64{"grace": int64(s.Grace), "defer": int64(s.Defer)} {
		if v < 0 {
			d.add(toml.Key{"sweep", name}, fmt.Errorf("sweep.%s: negative", name))
		}
	}
	paths := map[string]string{"recipes": s.Recipes, "state": s.State, "runs": s.Runs, "lockdir": s.Lockdir}
	if !strings.Contains(s.Catalogue, "://") {
		paths["catalogue"] = s.Catalogue
	}
	for _, name := range sortedKeys(paths) {
		p := paths[name]
		if p != "" && !filepath.IsAbs(p) && p != "~" && !strings.HasPrefix(p, "~/") {
			d.add(toml.Key{"sweep", name}, fmt.Errorf("sweep.%s: %q is not an absolute path", name, p))
		}
	}
	for _, r := range s.Exclude {
		if !recipeName().MatchString(r) {
			d.add(toml.Key{"sweep", "exclude"}, fmt.Errorf("sweep.exclude: %q is not a recipe name", r))
		}
	}
	for name, argv := range map[string][]string{"run": s.Run, "notify": s.Notify} {
		if s := argv; len(s) > 0 && s[0] == "" {
			d.add(toml.Key{"sweep", name}, fmt.Errorf("sweep.%s: the command is empty", name))
		}
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
