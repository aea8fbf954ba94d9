package ccci

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseConfigDrone(t *testing.T) {
	data := `[sweep]
executor = "drone"
[drone]
server     = "https://drone.example.org/"
token_file = "~/drone.token"
repo       = "coop-cloud/cc-ci"
branch     = "main"
capacity   = 4
poll       = "30s"
`
	c, err := ParseConfig("c.toml", []byte(data), getenvMap(map[string]string{"HOME": "/h", DroneTokenEnv: "ignored", DroneServerEnv: "http://ignored"}))
	if err != nil {
		t.Fatalf("ParseConfig: %v", err)
	}
	want := Drone{Server: "https://drone.example.org", TokenFile: "/h/drone.token", Repo: "coop-cloud/cc-ci",
		Branch: "main", Capacity: 4, Poll: 30 * time.Second}
	if diff := cmp.Diff(want, c.Drone); diff != "" {
		t.Errorf("Drone (-want +got):\n%s", diff)
	}
	if c.Sweep.Executor != ExecutorDrone {
		t.Errorf("Sweep.Executor = %q, want drone", c.Sweep.Executor)
	}
	if err := c.CheckDrone(); err != nil {
		t.Errorf("CheckDrone() = %v, want nil", err)
	}
}

// TestParseConfigDroneEnv: $DRONE_SERVER and $DRONE_TOKEN count only for
// the drone executor; the defaults fill a bare section.
func TestParseConfigDroneEnv(t *testing.T) {
	getenv := getenvMap(map[string]string{DroneServerEnv: "http://drone:8080", DroneTokenEnv: " secret\n"})
	c, err := ParseConfig("c.toml", []byte("[sweep]\nexecutor = \"drone\"\n[drone]\nrepo = \"a/b\"\n"), getenv)
	if err != nil {
		t.Fatal(err)
	}
	want := Drone{Server: "http://drone:8080", Token: "secret", Repo: "a/b", Capacity: DefaultCapacity, Poll: DefaultDronePoll}
	if diff := cmp.Diff(want, c.Drone); diff != "" {
		t.Errorf("Drone (-want +got):\n%s", diff)
	}
	if tok, err := c.DroneToken(); tok != "secret" || err != nil {
		t.Errorf("DroneToken() = %q, %v; want secret", tok, err)
	}
	local, err := ParseConfig("c.toml", []byte("[sweep]\njobs = 1\n"), getenv)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Drone{}, local.Drone); diff != "" || local.CheckDrone() != nil {
		t.Errorf("local executor: Drone (-want +got):\n%s\nCheckDrone() = %v", diff, local.CheckDrone())
	}
}

func TestCheckDrone(t *testing.T) {
	tests := []struct {
		data string
		env  map[string]string
		want string // "" for nil
	}{
		{"[sweep]\nexecutor = \"drone\"\n", nil,
			`c.toml:1: sweep.executor = "drone" needs a server (drone.server or $DRONE_SERVER), a repository (drone.repo), a token (drone.token_file or $DRONE_TOKEN)`},
		{"[sweep]\nexecutor = \"drone\"\n[drone]\nrepo = \"a/b\"\ntoken_file = \"/t\"\n", nil,
			`c.toml:1: sweep.executor = "drone" needs a server (drone.server or $DRONE_SERVER)`},
		{"[sweep]\nexecutor = \"drone\"\n[drone]\nrepo = \"a/b\"\n", map[string]string{DroneServerEnv: "drone.example.org", DroneTokenEnv: "t"},
			`c.toml:1: drone server: "drone.example.org" is not an http or https URL with a host`},
		{"[sweep]\nexecutor = \"drone\"\n[drone]\nserver = \"http://d\"\nrepo = \"a/b\"\n", map[string]string{DroneTokenEnv: "t"}, ""},
		{"[sweep]\nexecutor = \"local\"\n", nil, ""},
	}
	for _, tt := range tests {
		c, err := ParseConfig("c.toml", []byte(tt.data), getenvMap(tt.env))
		if err != nil {
			t.Fatalf("ParseConfig(%q): %v", tt.data, err)
		}
		err = c.CheckDrone()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("CheckDrone() for %q = %v, want nil", tt.data, err)
		case tt.want != "" && (err == nil || err.Error() != tt.want):
			t.Errorf("CheckDrone() for %q = %v, want %s", tt.data, err, tt.want)
		case err != nil && ExitCode(err) != ExitUsage:
			t.Errorf("CheckDrone() for %q: exit %d, want 2", tt.data, ExitCode(err))
		}
	}
}

func TestParseConfigDroneErrors(t *testing.T) {
	tests := []struct{ data, want string }{
		{"[sweep]\nexecutor = \"kubernetes\"\n", `c.toml:2: sweep.executor: "kubernetes" is neither "local" nor "drone"`},
		{"[drone]\n\nserver = \"ftp://x\"\n", `c.toml:3: drone.server: "ftp://x" is not an http or https URL with a host`},
		{"[drone]\nserver = \"https://u:p@x\"\n", `c.toml:2: drone.server: "https://u:p@x": want the server's base URL, without user, query or fragment`},
		{"[drone]\nrepo = \"cc-ci\"\n", `c.toml:2: drone.repo: "cc-ci" is not owner/name`},
		{"[drone]\nrepo = \"a/b/c\"\n", `c.toml:2: drone.repo: "a/b/c" is not owner/name`},
		{"[drone]\ncapacity = 0\n", `c.toml:2: drone.capacity: 0 is less than 1`},
		{"[drone]\npoll = \"0s\"\n", `c.toml:2: drone.poll: 0s is not positive`},
		{"[drone]\npoll = 10\n", `c.toml:2: drone.poll: want a duration string like "10s", found an integer`},
		{"[drone]\ntoken_file = \"token\"\n", `c.toml:2: drone.token_file: "token" is not an absolute path`},
		{"[drone]\ntoken = \"s3cret\"\n", `c.toml:2: unknown key "drone.token"`},
	}
	for _, tt := range tests {
		_, err := ParseConfig("c.toml", []byte(tt.data), getenvMap(map[string]string{"HOME": "/h"}))
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseConfig(%q) = %v, want %v", tt.data, err, tt.want)
		}
		if !errors.Is(err, ErrConfig) {
			t.Errorf("ParseConfig(%q): %v does not match ErrConfig", tt.data, err)
		}
	}
}

func TestDroneToken(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "token")
	if err := os.WriteFile(file, []byte("\n  abc123  \nsecond line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte(" \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		d        Drone
		want     string
		errWants string
	}{
		{Drone{TokenFile: file, Token: "env"}, "abc123", ""},
		{Drone{Token: "env"}, "env", ""},
		{Drone{}, "", "no Drone token"},
		{Drone{TokenFile: empty}, "", "is empty"},
		{Drone{TokenFile: filepath.Join(dir, "missing")}, "", "no such file"},
	}
	for _, tt := range tests {
		c := &Config{File: "c.toml", Drone: tt.d}
		got, err := c.DroneToken()
		if got != tt.want || (err == nil) != (tt.errWants == "") || err != nil && !strings.Contains(err.Error(), tt.errWants) {
			t.Errorf("DroneToken() for %+v = %q, %v; want %q, error containing %q", tt.d, got, err, tt.want, tt.errWants)
		}
		if err != nil && ExitCode(err) != ExitUsage {
			t.Errorf("DroneToken() error %v: exit %d, want 2", err, ExitCode(err))
		}
	}
}
