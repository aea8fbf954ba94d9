package ccci

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"coopcloud.tech/cc-ci/ccci/env"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func getenvMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func writeFile(t *testing.T, name, data string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const fullConfig = `# a full declaration
[env]
path  = ["/opt/tools/bin", "/usr/bin"]
tools = ["git", "git-lfs"]
pass  = ["DRONE_*", "CI"]
strict = true
fingerprint = "content"
[env.vars]
HOME = "/var/lib/cc-ci/home"
[env.require]
git-lfs = ">= 3.0"
[env.version_flags]
git = "version"

[sweep]
recipes = "~/recipes"
state   = "/srv/cc-ci/canonical.json"
run     = ["/var/lib/cc-ci/cc-ci/runner/run_recipe_ci.py", "--fast"]
exclude = ["custom-html"]
jobs    = 2
timeout = "90m"
grace   = "5s"
defer   = "0s"
sync    = true
notify  = ["/usr/local/bin/notify"]
history = 10
`

func TestParseConfigFull(t *testing.T) {
	c, err := ParseConfig("ccci.toml", []byte(fullConfig), getenvMap(map[string]string{"HOME": "/home/ci"}))
	if err != nil {
		t.Fatalf("ParseConfig: %v", err)
	}
	want := &Config{
		File: "ccci.toml",
		Env: env.Spec{
			Path:         []string{"/opt/tools/bin", "/usr/bin"},
			Tools:        []string{"git", "git-lfs"},
			Pass:         []string{"DRONE_*", "CI"},
			Vars:         map[string]string{"HOME": "/var/lib/cc-ci/home"},
			Require:      map[string]string{"git-lfs": ">= 3.0"},
			VersionFlags: map[string]string{"git": "version"},
			Strict:       true,
			Fingerprint:  "content",
			RuntimeDir:   "/run/cc-ci/env",
		},
		Sweep: Sweep{
			Recipes: "/home/ci/recipes",
			Exclude: []string{"custom-html"},
			State:   "/srv/cc-ci/canonical.json",
			Runs:    "/srv/cc-ci/runs",
			Run:     []string{"/var/lib/cc-ci/cc-ci/runner/run_recipe_ci.py", "--fast"},
			Jobs:    2,
			Timeout: 90 * time.Minute,
			Grace:   5 * time.Second,
			Defer:   0,
			Lockdir: DefaultLockdir,
			Sync:    true,
			Notify:  []string{"/usr/local/bin/notify"},
			History: 10,
			LogTail: DefaultLogTail,
			Keep:    DefaultKeep,
		},
	}
	if diff := cmp.Diff(want, c, cmpopts.IgnoreUnexported(Config{})); diff != "" {
		t.Errorf("ParseConfig mismatch (-want +got):\n%s", diff)
	}
}

func TestParseConfigDefaults(t *testing.T) {
	c, err := ParseConfig("c.toml", []byte("[sweep]\njobs = 3\n"), getenvMap(map[string]string{"ABRA_DIR": "/abra"}))
	if err != nil {
		t.Fatalf("ParseConfig: %v", err)
	}
	want := Sweep{Recipes: "/abra/recipes", State: DefaultState, Runs: "/var/lib/cc-ci/runs", Jobs: 3,
		Timeout: DefaultTimeout, Grace: DefaultGrace, Defer: DefaultDefer, Lockdir: DefaultLockdir, History: DefaultHistory,
		LogTail: DefaultLogTail, Keep: DefaultKeep}
	if diff := cmp.Diff(want, c.Sweep); diff != "" {
		t.Errorf("Sweep defaults mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(DefaultSpec(), c.Env); diff != "" {
		t.Errorf("a file without [env] should declare the default (-want +got):\n%s", diff)
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"unknown key", "[env]\npath = [\"/bin\"]\ntols = [\"git\"]\n", `c.toml:3: unknown key "env.tols"`},
		{"unknown section", "\n[swep]\njobs = 1\n", `c.toml:2: unknown key "swep"`},
		{"unknown dotted", "\n\n[swep.x]\njobs = 1\n", `c.toml:3: unknown key "swep"`},
		{"home unset", "[sweep]\nstate = \"~/state.json\"\n", `c.toml:2: sweep.state: expanding "~/state.json": HOME is not set`},
		{"unknown var section", "[env]\npath = [\"/bin\"]\n[env.varz]\nA = \"b\"\n", `c.toml:3: unknown key "env.varz"`},
		{"wrong type", "[sweep]\n\njobs = \"two\"\n", `c.toml:3: sweep.jobs: want an integer, found a string`},
		{"wrong array", "[env]\npath = \"/bin\"\n", `c.toml:2: env.path: want an array of strings, found a string`},
		{"wrong element", "[env]\npath = [\"/bin\", 3]\n", `c.toml:2: env.path: want an array of strings, found an array holding other values`},
		{"not a table", "env = 3\n", `c.toml:1: env: want a table, found an integer`},
		{"array of tables", "\n[[sweep]]\njobs = 1\n", `c.toml:2: sweep: want a table, found an array of tables`},
		{"array for table", "[env]\npath = [\"/bin\"]\nvars = [\"a\"]\n", `c.toml:3: env.vars: want a table of strings, found an array`},
		{"var not string", "[env]\npath = [\"/bin\"]\n[env.vars]\nB = \"x\"\nA = 3\n", `c.toml:5: env.vars.A: want a string, found an integer`},
		{"bool", "[sweep]\nsync = \"yes\"\n", `c.toml:2: sweep.sync: want a boolean, found a string`},
		{"float", "[sweep]\nhistory = 1.5\n", `c.toml:2: sweep.history: want an integer, found a float`},
		{"relative path", "[env]\npath = [\"/bin\",\n  \"bin\"]\n", `c.toml:2: env.path[1] "bin": directory is not absolute`},
		{"no path", "[env]\ntools = [\"git\"]\n", `c.toml:1: env.path: no directories declared`},
		{"duration", "[sweep]\ntimeout = \"60 minutes\"\n", `c.toml:2: sweep.timeout: want a duration string like "60m": not a duration: "60 minutes"`},
		{"duration number", "[sweep]\ngrace = 30\n", `c.toml:2: sweep.grace: want a duration string like "30s", found an integer`},
		{"jobs zero", "[sweep]\njobs = 0\n", `c.toml:2: sweep.jobs: 0 is less than 1`},
		{"timeout zero", "[sweep]\ntimeout = \"0s\"\n", `c.toml:2: sweep.timeout: 0s is not positive`},
		{"relative state", "[sweep]\nstate = \"state.json\"\n", `c.toml:2: sweep.state: "state.json" is not an absolute path`},
		{"exclude name", "[sweep]\nexclude = [\"../etc\"]\n", `c.toml:2: sweep.exclude: recipe name "../etc": recipe names must match ^[a-z0-9][a-z0-9._-]*$`},
		// The rule recipe.ValidName applies, length included: a name the
		// config lets through must never fail later, at the sweep.
		{"exclude too long", "[sweep]\n\nexclude = [\"gitea\",\n  \"" + strings.Repeat("a", 200) + "\"]\n",
			`c.toml:3: sweep.exclude: recipe name "` + strings.Repeat("a", 40) + `": recipe names must match ^[a-z0-9][a-z0-9._-]*$ (1 to 128 bytes)`},
		{"relative run", "[sweep]\n\nrun = [\"runner/run.py\"]\n", `c.toml:3: sweep.run: "runner/run.py" is a relative path: write it absolute, or a bare name found in env.path`},
		{"relative notify", "[sweep]\nnotify = [\"./hook\"]\n", `c.toml:2: sweep.notify: "./hook" is a relative path: write it absolute, or a bare name found in env.path`},
		{"var PATH", "[env]\npath = [\"/bin\"]\n[env.vars]\nPATH = \"/x\"\n", `c.toml:4: env.vars.PATH "/x": PATH is built from env.path and cannot be declared`},
		{"require unknown tool", "[env]\npath = [\"/bin\"]\n[env.require]\ngit = \">= 2\"\n", `c.toml:4: env.require.git ">= 2": tool not in env.tools`},
		{"require bad constraint", "[env]\npath = [\"/bin\"]\ntools = [\"git\"]\n[env.require]\ngit = \"newest\"\n", `c.toml:5: env.require.git "newest": malformed version constraint`},
		{"tool with slash", "[env]\npath = [\"/bin\"]\ntools = [\"/bin/git\"]\n", `c.toml:3: env.tools[0] "/bin/git": tool name contains a slash (declare its directory in path instead)`},
		{"fingerprint format", "[env]\npath = [\"/bin\"]\n\nfingerprint = \"bytes\"\n", `c.toml:4: env.fingerprint "bytes": not "paths" or "content"`},
		{"strict type", "[env]\npath = [\"/bin\"]\nstrict = 1\n", `c.toml:3: env.strict: want a boolean, found an integer`},
		{"strict lockdir", "[env]\npath = [\"/bin\"]\nstrict = true\n[sweep]\nlockdir = \"/run/a:b\"\n",
			`c.toml:3: env.strict "/run/a:b/env": the view's directory would be on PATH, and sweep.lockdir holds NUL, newline or ':'`},
		{"require sh", "[env]\npath = [\"/bin\"]\ntools = [\"sh\"]\n[env.require]\nsh = \">= 5\"\n",
			`c.toml:5: env.require.sh ">= 5": the tool has no version flag that cc-ci knows: set version_flags.sh`},
		{"syntax", "[env]\npath = [\"/bin\"\n", `c.toml:2: expected a comma (',') or array terminator (']'), but got end of file`},
		{"two env problems", "[env]\npath = [\"bin\"]\n[env.vars]\nPATH = \"/x\"\n", "c.toml:2: env.path[0] \"bin\": directory is not absolute\nc.toml:4: env.vars.PATH \"/x\": PATH is built from env.path and cannot be declared"},
		{"two problems", "[env]\npath = [\"/bin\"]\nx = 1\n[sweep]\njobs = 0\n", "c.toml:3: unknown key \"env.x\"\nc.toml:5: sweep.jobs: 0 is less than 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig("c.toml", []byte(tt.data), getenvMap(nil))
			if err == nil || err.Error() != tt.want {
				t.Errorf("ParseConfig(%q) = %v, want %v", tt.data, err, tt.want)
			}
			if !errors.Is(err, ErrConfig) || ExitCode(err) != ExitUsage {
				t.Errorf("ParseConfig(%q): error %v does not match ErrConfig / exit 2", tt.data, err)
			}
		})
	}
}

func TestLoadConfigSources(t *testing.T) {
	explicit := writeFile(t, "explicit.toml", "[sweep]\njobs = 4\n")
	fromEnv := writeFile(t, "env.toml", "[sweep]\njobs = 5\n")
	tests := []struct {
		path, envFile string
		wantFile      string
		wantJobs      int
	}{
		{explicit, fromEnv, explicit, 4},
		{"", fromEnv, fromEnv, 5},
	}
	for _, tt := range tests {
		c, err := LoadConfig(tt.path, getenvMap(map[string]string{ConfigEnv: tt.envFile, "HOME": "/h"}))
		if err != nil {
			t.Fatalf("LoadConfig(%q): %v", tt.path, err)
		}
		if c.File != tt.wantFile || c.Sweep.Jobs != tt.wantJobs {
			t.Errorf("LoadConfig(%q) = file %q jobs %d, want %q %d", tt.path, c.File, c.Sweep.Jobs, tt.wantFile, tt.wantJobs)
		}
	}
}

func TestLoadConfigBuiltin(t *testing.T) {
	if _, err := os.Stat(SystemConfig); err == nil {
		t.Skipf("%s exists on this host", SystemConfig)
	}
	c, err := LoadConfig("", getenvMap(map[string]string{"HOME": "/home/ci"}))
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	if c.File != "" || c.Sweep.Recipes != "/home/ci/.abra/recipes" || len(c.Env.Tools) != 15 {
		t.Errorf("LoadConfig() = file %q recipes %q, %d tools; want the built-in default", c.File, c.Sweep.Recipes, len(c.Env.Tools))
	}
}

func TestLoadConfigMissingFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nope.toml")
	_, err := LoadConfig(p, getenvMap(nil))
	want := "reading config " + p + ": no such file"
	if err == nil || err.Error() != want {
		t.Errorf("LoadConfig(%q) = %v, want %v", p, err, want)
	}
	if ExitCode(err) != ExitUsage {
		t.Errorf("ExitCode(%v) = %d, want %d", err, ExitCode(err), ExitUsage)
	}
}

func TestConfigErrorFormat(t *testing.T) {
	tests := []struct {
		e    *ConfigError
		want string
	}{
		{&ConfigError{File: "a.toml", Line: 3, Err: errors.New("bad")}, "a.toml:3: bad"},
		{&ConfigError{File: "a.toml", Err: errors.New("permission denied")}, "reading config a.toml: permission denied"},
		{&ConfigError{Err: errors.New("HOME is not set")}, "built-in config: HOME is not set"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("ConfigError.Error() = %q, want %q", got, tt.want)
		}
	}
	if !strings.Contains(DefaultSpec().Path[0], "/usr/local/bin") {
		t.Errorf("DefaultSpec().Path = %v, want /usr/local/bin first", DefaultSpec().Path)
	}
}

// TestParseConfigEnvRules: what env.Validate refuses (a directory listed
// twice) is a config error at the key's line too.
func TestParseConfigEnvRules(t *testing.T) {
	data := "[env]\ntools = []\npath = [\"/bin\", \"/bin\"]\n"
	_, err := ParseConfig("c.toml", []byte(data), getenvMap(nil))
	if err == nil || !strings.HasPrefix(err.Error(), "c.toml:3: env.path[1] ") || ExitCode(err) != ExitUsage {
		t.Errorf("ParseConfig(%q) = %v, want c.toml:3: env.path[1] ... (exit 2)", data, err)
	}
}

// FuzzParseConfig: any input gives a config or a config error (exit 2),
// never a panic.
func FuzzParseConfig(f *testing.F) {
	f.Add(fullConfig)
	f.Add("[env]\npath = [\"/bin\"]\ntols = 1\n[swep.x]\ny = 2\n")
	f.Add("[env.vars]\nPATH = 3\n[[sweep]]\n")
	f.Add("env = 3\nsweep = [1, 2]\n")
	f.Fuzz(func(t *testing.T, data string) {
		c, err := ParseConfig("f.toml", []byte(data), getenvMap(map[string]string{"HOME": "/h"}))
		if (c == nil) == (err == nil) {
			t.Fatalf("ParseConfig(%q) = %v, %v: want exactly one of them", data, c, err)
		}
		if err != nil && ExitCode(err) != ExitUsage {
			t.Fatalf("ParseConfig(%q) error %v: exit %d, want 2", data, err, ExitCode(err))
		}
	})
}
