package ccci

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Executors: where the sweep runs each recipe test ([sweep] executor).
const (
	ExecutorLocal = "local" // on the sweep's own host (the default; "" means it too)
	ExecutorDrone = "drone" // as a build of the [drone] repository's custom-event pipeline
)

// The variables that point at the Drone server and hold its token, as
// the drone command line uses them.
const (
	DroneServerEnv = "DRONE_SERVER"
	DroneTokenEnv  = "DRONE_TOKEN"
)

// Defaults of the [drone] section.
const (
	DefaultCapacity  = 8
	DefaultDronePoll = 10 * time.Second
)

// Drone is the [drone] section: the Drone server and repository the sweep
// hands its runs to when [sweep] executor = "drone". The token is never
// written in the config: it is read from TokenFile, else taken from
// $DRONE_TOKEN. ParseConfig fills Server from $DRONE_SERVER and Token from
// $DRONE_TOKEN only when the executor is drone, and Capacity and Poll with
// their defaults when the section is there or the executor is drone; the
// zero Capacity and Poll mean the defaults. Whether the section is
// complete is checked by the sweep (CheckDrone), not by ParseConfig:
// cc-ci-run on a runner host reads the same file without the sweep's
// token.
type Drone struct {
	Server    string        // base URL, e.g. https://drone.example.org
	TokenFile string        // file holding the API token (absolute)
	Token     string        `json:"-"` // from $DRONE_TOKEN, when TokenFile is unset
	Repo      string        // owner/name of the repository whose .drone.yml has the custom-event pipeline
	Branch    string        // branch built; "" is the repository's default branch
	Capacity  int           // builds in flight at once
	Poll      time.Duration // status poll interval (jittered)
}

func droneFields(c *Config) []field {
	d := &c.Drone
	return []field{
		{"server", "a string", &d.Server},
		{"token_file", "a string", &d.TokenFile},
		{"repo", "a string", &d.Repo},
		{"branch", "a string", &d.Branch},
		{"capacity", "an integer", &d.Capacity},
		{"poll", `a duration string like "10s"`, (*duration)(&d.Poll)},
	}
}

// checkDrone validates [sweep] executor and the [drone] values as
// written; what is missing is CheckDrone's to say.
func (d *decoder) checkDrone(c *Config) {
	switch c.Sweep.Executor {
	case "", ExecutorLocal, ExecutorDrone:
	default:
		d.add(toml.Key{"sweep", "executor"}, fmt.Errorf("sweep.executor: %q is neither %q nor %q", c.Sweep.Executor, ExecutorLocal, ExecutorDrone))
	}
	dr := &c.Drone
	if dr.Server != "" {
		if err := checkServer(dr.Server); err != nil {
			d.add(toml.Key{"drone", "server"}, fmt.Errorf("drone.server: %w", err))
		}
	}
	if dr.Repo != "" {
		if err := checkRepo(dr.Repo); err != nil {
			d.add(toml.Key{"drone", "repo"}, fmt.Errorf("drone.repo: %w", err))
		}
	}
	if d.md.IsDefined("drone", "capacity") && dr.Capacity < 1 {
		d.add(toml.Key{"drone", "capacity"}, fmt.Errorf("drone.capacity: %d is less than 1", dr.Capacity))
	}
	if d.md.IsDefined("drone", "poll") && dr.Poll <= 0 {
		d.add(toml.Key{"drone", "poll"}, fmt.Errorf("drone.poll: %v is not positive", dr.Poll))
	}
	if p := dr.TokenFile; p != "" && !strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "~/") {
		d.add(toml.Key{"drone", "token_file"}, fmt.Errorf("drone.token_file: %q is not an absolute path", p))
	}
}

// checkServer accepts an http or https URL with a host and nothing after
// its path.
func checkServer(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Errorf("%q is not a URL", s)
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return fmt.Errorf("%q is not an http or https URL with a host", s)
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return fmt.Errorf("%q: want the server's base URL, without user, query or fragment", s)
	}
	return nil
}

// checkRepo accepts owner/name, as Drone names a repository.
func checkRepo(s string) error {
	owner, name, ok := strings.Cut(s, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") || strings.ContainsAny(s, " ?#%") {
		return fmt.Errorf("%q is not owner/name", s)
	}
	return nil
}

// setDroneDefaults fills what the section leaves to the environment and
// the defaults, and expands "~/" in token_file.
func (c *Config) setDroneDefaults(section bool, getenv func(string) string) error {
	d := &c.Drone
	if c.Sweep.Executor == ExecutorDrone {
		if d.Server == "" {
			d.Server = getenv(DroneServerEnv)
		}
		if d.TokenFile == "" {
			d.Token = strings.TrimSpace(getenv(DroneTokenEnv))
		}
	}
	d.Server = strings.TrimRight(d.Server, "/")
	if section || c.Sweep.Executor == ExecutorDrone {
		if d.Capacity == 0 {
			d.Capacity = DefaultCapacity
		}
		if d.Poll == 0 {
			d.Poll = DefaultDronePoll
		}
	}
	p, err := expandHome(d.TokenFile, getenv)
	d.TokenFile = p
	return err
}

// CheckDrone says what keeps the sweep from dispatching to Drone: with
// [sweep] executor = "drone", a server (drone.server or $DRONE_SERVER), a
// repository (drone.repo) and a token (drone.token_file or $DRONE_TOKEN)
// must be known, and a server from $DRONE_SERVER must be a URL. The error
// is a *ConfigError (exit 2) listing everything missing; nil when the
// executor is local or nothing is missing.
func (c *Config) CheckDrone() error {
	if c.Sweep.Executor != ExecutorDrone {
		return nil
	}
	d := &c.Drone
	var missing []string
	if d.Server == "" {
		missing = append(missing, "a server (drone.server or $"+DroneServerEnv+")")
	} else if err := checkServer(d.Server); err != nil {
		return &ConfigError{File: c.File, Line: 1, Err: fmt.Errorf("drone server: %w", err)}
	}
	if d.Repo == "" {
		missing = append(missing, "a repository (drone.repo)")
	}
	if d.TokenFile == "" && d.Token == "" {
		missing = append(missing, "a token (drone.token_file or $"+DroneTokenEnv+")")
	}
	if len(missing) == 0 {
		return nil
	}
	return &ConfigError{File: c.File, Line: 1, Err: fmt.Errorf(`sweep.executor = "drone" needs %s`, strings.Join(missing, ", "))}
}

// DroneToken is the Drone API token: the first line of drone.token_file,
// else $DRONE_TOKEN as ParseConfig found it. A token file that cannot be
// read or is empty is a *ConfigError (exit 2).
func (c *Config) DroneToken() (string, error) {
	d := &c.Drone
	if d.TokenFile == "" {
		if d.Token == "" {
			return "", &ConfigError{File: c.File, Line: 1, Err: errors.New("no Drone token: set drone.token_file or $" + DroneTokenEnv)}
		}
		return d.Token, nil
	}
	b, err := os.ReadFile(d.TokenFile)
	if err != nil {
		return "", &ConfigError{File: c.File, Line: 1, Err: fmt.Errorf("drone.token_file: %w", err)}
	}
	token, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	if token = strings.TrimSpace(token); token == "" {
		return "", &ConfigError{File: c.File, Line: 1, Err: fmt.Errorf("drone.token_file %s is empty", d.TokenFile)}
	}
	return token, nil
}
