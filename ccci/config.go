package ccci

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"coopcloud.tech/cc-ci/ccci/env"
)

// SystemConfig is the config file used when neither -config nor
// $CCCI_CONFIG names one and it exists.
const SystemConfig = "/etc/cc-ci/ccci.toml"

// ConfigEnv names the variable that points at the config file.
const ConfigEnv = "CCCI_CONFIG"

// Config is the one declaration both binaries read.
type Config struct {
	File  string // where it was read from (absolute); "" for the built-in default
	Env   env.Spec
	Sweep Sweep
	Drone Drone // the [drone] section, used when Sweep.Executor is ExecutorDrone

	lines map[string]int // key ("sweep.exclude") -> its line in File
}

// KeyError is err about key ("sweep.exclude"), placed at the line of File
// that sets it (line 1 when the file does not set it): "file:line: err".
func (c *Config) KeyError(key string, err error) *ConfigError {
	line := c.lines[key]
	if line == 0 && c.File != "" {
		line = 1
	}
	return &ConfigError{File: c.File, Line: line, Err: err}
}

// Sweep is the [sweep] section. LoadConfig fills every default, expands a
// leading "~/" against HOME and checks that paths are absolute.
type Sweep struct {
	Recipes   string        // folder of recipe clones (default $ABRA_DIR/recipes or ~/.abra/recipes; "" without either)
	Catalogue string        // recipes.json, instead of Recipes
	Exclude   []string      // recipe names left out
	State     string        // canonical state file
	Runs      string        // run directories (default: "runs" next to State)
	Run       []string      // the recipe test command, run inside [env]
	Jobs      int           // recipes at a time (default 1)
	Timeout   time.Duration // per recipe run (default 60m)
	Grace     time.Duration // SIGTERM -> SIGKILL (default 30s)
	Defer     time.Duration // how long to wait for CI jobs before deferring (default 2h)
	Lockdir   string        // default /run/cc-ci
	Sync      bool          // fetch tags before planning
	Notify    []string      // command run after each sweep, summary JSON on stdin
	History   int           // runs shown per recipe on the board (default 30)
	LogTail   int           // lines of each log the board publishes (default 200; 0: whole logs)

	Executor string // where recipe tests run: ExecutorLocal ("" too) or ExecutorDrone

	// Running for months: retention, the disk guard, retries, metrics.
	Keep      int      // run directories kept per recipe (default 30; 0 keeps all)
	MinFree   int64    // bytes each checked filesystem must have free before a run starts (0: no check)
	DiskPaths []string // filesystems checked besides those of runs, state and the temp dir
	Retries   int      // tries after the first of a run that fails or times out (default 0)
	Metrics   string   // Prometheus textfile replaced after every sweep ("" for none)
}

// Defaults of the [sweep] section.
const (
	DefaultLockdir = "/run/cc-ci"
	DefaultState   = "/var/lib/cc-ci/canonical.json"
	DefaultJobs    = 1
	DefaultTimeout = 60 * time.Minute
	DefaultGrace   = 30 * time.Second
	DefaultDefer   = 2 * time.Hour
	DefaultHistory = 30
	DefaultLogTail = 200
	DefaultKeep    = 30
)

// DefaultSpec is the [env] of the built-in default: the usual tool set, as
// commands, in /usr/local/bin:/usr/bin:/bin (openssl's version flag comes
// from env.KnownVersionFlags). Its RuntimeDir is RuntimeDir(DefaultLockdir).
func DefaultSpec() env.Spec {
	return env.Spec{
		Path: []string{"/usr/local/bin", "/usr/bin", "/bin"},
		Tools: []string{"abra", "docker", "git", "git-lfs", "bash", "env", "flock",
			"ps", "tar", "curl", "jq", "sed", "grep", "openssl", "python3"},
		Pass:       []string{"DRONE_*", "CI", "TERM", "HOME", "USER", "LOGNAME"},
		Vars:       map[string]string{"LANG": "C.UTF-8"},
		RuntimeDir: RuntimeDir(DefaultLockdir),
	}
}

// RuntimeDir is where [env] keeps its strict views and tool cache: the
// directory env under the lock directory (env.Spec.RuntimeDir).
func RuntimeDir(lockdir string) string { return filepath.Join(lockdir, "env") }

// ConfigError is a config problem at file:line. It prints "file:line: what";
// with no line (the file could not be read) "reading config file: what".
// File is "" for the built-in default.
type ConfigError struct {
	File string
	Line int
	Err  error
}

func (e *ConfigError) Error() string {
	switch {
	case e.File == "":
		return "built-in config: " + e.Err.Error()
	case e.Line == 0:
		return "reading config " + e.File + ": " + e.Err.Error()
	}
	return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Err.Error()
}

func (e *ConfigError) Unwrap() error { return e.Err }

// LoadConfig finds the config: path, else $CCCI_CONFIG, else
// /etc/cc-ci/ccci.toml if it exists, else the built-in default. getenv
// (os.Getenv when nil) gives CCCI_CONFIG, HOME and ABRA_DIR. Every error is
// a *ConfigError.
func LoadConfig(path string, getenv func(string) string) (*Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if path == "" {
		path = getenv(ConfigEnv)
	}
	if path == "" {
		if _, err := os.Stat(SystemConfig); err == nil {
			path = SystemConfig
		}
	}
	if path == "" {
		return defaultConfig(getenv)
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &ConfigError{File: path, Err: readError(err)}
	}
	return ParseConfig(path, data, getenv)
}

// readError shortens *fs.PathError: the ConfigError already names the file.
func readError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if errors.Is(err, fs.ErrNotExist) {
			return errors.New("no such file")
		}
		return pe.Err
	}
	return err
}

func defaultConfig(getenv func(string) string) (*Config, error) {
	c := &Config{Env: DefaultSpec(), Sweep: newSweep()}
	if name, err := c.Sweep.setDefaults(getenv); err != nil {
		return nil, &ConfigError{Err: fmt.Errorf("sweep.%s: %w", name, err)}
	}
	c.Env.RuntimeDir = RuntimeDir(c.Sweep.Lockdir)
	return c, nil
}

// setDefaults fills the unset paths and expands "~/" in paths. On error
// it names the field. Without ABRA_DIR and HOME the default Recipes is "".
func (s *Sweep) setDefaults(getenv func(string) string) (string, error) {
	if s.Recipes == "" && s.Catalogue == "" {
		if d := getenv("ABRA_DIR"); d != "" {
			s.Recipes = filepath.Join(d, "recipes")
		} else if getenv("HOME") != "" {
			s.Recipes = "~/.abra/recipes"
		}
	}
	if s.State == "" {
		s.State = DefaultState
	}
	if s.Lockdir == "" {
		s.Lockdir = DefaultLockdir
	}
	fields := []struct {
		name string
		p    *string
	}{{"recipes", &s.Recipes}, {"catalogue", &s.Catalogue}, {"state", &s.State}, {"runs", &s.Runs}, {"lockdir", &s.Lockdir},
		{"metrics", &s.Metrics}}
	for i := range s.DiskPaths {
		fields = append(fields, struct {
			name string
			p    *string
		}{"disk_paths", &s.DiskPaths[i]})
	}
	for _, f := range fields {
		x, err := expandHome(*f.p, getenv)
		if err != nil {
			return f.name, err
		}
		*f.p = x
	}
	if s.Runs == "" {
		s.Runs = filepath.Join(filepath.Dir(s.State), "runs")
	}
	return "", nil
}

// newSweep is a Sweep with the numeric defaults set; paths are filled by
// setDefaults once the file is read.
func newSweep() Sweep {
	return Sweep{Jobs: DefaultJobs, Timeout: DefaultTimeout, Grace: DefaultGrace,
		Defer: DefaultDefer, History: DefaultHistory, LogTail: DefaultLogTail, Keep: DefaultKeep}
}

// expandHome replaces a leading "~/" with $HOME.
func expandHome(p string, getenv func(string) string) (string, error) {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p, nil
	}
	home := getenv("HOME")
	if home == "" {
		return "", fmt.Errorf("expanding %q: HOME is not set", p)
	}
	return filepath.Join(home, strings.TrimPrefix(p, "~")), nil
}
