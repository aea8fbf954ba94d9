package dronefake

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// call sends one request as a Drone client would (no body, bearer token)
// and returns the status and body; a transport error fails the test
// unless the caller wants it (err != nil then).
func call(t *testing.T, s *Server, method, path, token string) (int, []byte, error) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// must is call that wants the status.
func must(t *testing.T, s *Server, method, path string, want int) []byte {
	t.Helper()
	code, body, err := call(t, s, method, path, "token")
	if err != nil || code != want {
		t.Fatalf("%s %s = %d %s, %v; want %d", method, path, code, body, err, want)
	}
	return body
}

func decode[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decoding %s: %v", body, err)
	}
	return v
}

func start(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.Pipeline.Events == nil {
		cfg.Pipeline.Events = []string{"custom"}
	}
	if cfg.Root == "" {
		cfg.Root = t.TempDir()
	}
	s := Start(cfg)
	t.Cleanup(s.Close)
	return s
}

// finished waits until build n has ended and returns it.
func finished(t *testing.T, s *Server, n int64) Build {
	t.Helper()
	ok := s.Wait(20*time.Second, func(bs []Build) bool { return len(bs) >= int(n) && !running(bs[n-1].Status) })
	if !ok {
		t.Fatalf("build %d did not finish: %+v", n, s.Builds())
	}
	return s.Builds()[n-1]
}

func running(status string) bool { return !done(status) }

const builds = "/api/repos/coop-cloud/cc-ci/builds"

// TestAuth: the ACL of Drone for a private repository.
func TestAuth(t *testing.T) {
	s := start(t, Config{Pipeline: Pipeline{Steps: []Step{{Name: "test", Commands: []string{"true"}}}}})
	ro := start(t, Config{ReadOnly: true, Pipeline: Pipeline{Steps: []Step{{Name: "test", Commands: []string{"true"}}}}})
	tests := []struct {
		srv          *Server
		method, path string
		token        string
		want         int
		message      string
	}{
		{s, "POST", builds, "", 401, "Unauthorized"},
		{s, "POST", builds, "wrong", 401, "Unauthorized"},
		{s, "GET", builds + "/1", "wrong", 401, "Unauthorized"},
		{s, "POST", "/api/repos/coop-cloud/other/builds", "wrong", 401, "Unauthorized"},
		{s, "POST", "/api/repos/coop-cloud/other/builds", "token", 404, "Not Found"},
		{s, "GET", builds + "/7", "token", 404, "sql: no rows in result set"},
		{s, "GET", builds + "/x", "token", 400, `strconv.ParseInt: parsing "x": invalid syntax`},
		{s, "POST", builds + "?access_token=token", "", 200, ""},
		{ro, "POST", builds, "token", 404, "Not Found"},
		{ro, "GET", builds, "token", 200, ""},
	}
	for _, tt := range tests {
		code, body, err := call(t, tt.srv, tt.method, tt.path, tt.token)
		if err != nil || code != tt.want {
			t.Errorf("%s %s (token %q) = %d %s, %v; want %d", tt.method, tt.path, tt.token, code, body, err, tt.want)
			continue
		}
		if tt.message != "" {
			if m := decode[map[string]string](t, body); m["message"] != tt.message {
				t.Errorf("%s %s: message %q, want %q", tt.method, tt.path, m["message"], tt.message)
			}
		}
	}
	if n := s.Created(); n != 1 {
		t.Errorf("Created() = %d, want 1 (only the request with access_token)", n)
	}
}

// TestCreate: parameters as Drone's create handler reads them, the
// build as the trigger returns it, and the run to success.
func TestCreate(t *testing.T) {
	s := start(t, Config{Pipeline: Pipeline{Name: "recipe", Steps: []Step{{Name: "test recipe", Commands: []string{"echo $CCCI_VERSION"}}}}})
	q := url.Values{"CCCI_VERSION": {"1.0.0+1.2"}, "X": {"a", "b"}, "branch": {"dev"}, "commit": {"abc123"}}
	// A "+" written as is in a query is a space to Drone (url.ParseQuery).
	path := builds + "?" + q.Encode() + "&RAW=1.0.0+1.2"
	b := decode[Build](t, must(t, s, "POST", path, 200))
	want := map[string]string{"CCCI_VERSION": "1.0.0+1.2", "X": "a", "RAW": "1.0.0 1.2"}
	if !maps.Equal(b.Params, want) {
		t.Errorf("params = %v, want %v", b.Params, want)
	}
	if b.Number != 1 || b.Status != "pending" && b.Status != "running" || b.Event != "custom" || b.Ref != "refs/heads/dev" ||
		b.After != "abc123" || b.Trigger != "cc-ci" || b.Stages != nil {
		t.Errorf("created build = %+v, want number 1, pending, custom, refs/heads/dev at abc123, no stages", b)
	}
	got := finished(t, s, 1)
	if got.Status != "success" || got.Started == 0 || got.Finished < got.Started || len(got.Stages) != 1 {
		t.Fatalf("build = %+v, want success with one stage", got)
	}
	st := got.Stages[0]
	if st.Name != "recipe" || st.Status != "success" || len(st.Steps) != 1 || st.Steps[0].Name != "test recipe" ||
		st.Steps[0].Status != "success" || st.Steps[0].ExitCode != 0 {
		t.Errorf("stage = %+v, steps %+v", st, st.Steps)
	}
	// The log: [{"pos","out","time"}], the trace line first. A write
	// holding two lines gives a third, empty one, as livelog does.
	raw := must(t, s, "GET", builds+"/1/logs/1/1", 200)
	var lines []map[string]any
	if err := json.Unmarshal(raw, &lines); err != nil {
		t.Fatalf("log = %s, %v", raw, err)
	}
	var text strings.Builder
	for i, l := range lines {
		keys := slices.Sorted(maps.Keys(l))
		if !slices.Equal(keys, []string{"out", "pos", "time"}) || l["pos"] != float64(i) {
			t.Errorf("log line %d = %v, want pos %d, out, time", i, l, i)
		}
		text.WriteString(l["out"].(string))
	}
	if got := text.String(); got != "+ echo $CCCI_VERSION\n1.0.0+1.2\n" {
		t.Errorf("log = %q", got)
	}
	// The list, newest first, without stages.
	must(t, s, "POST", builds, 200)
	list := decode[[]Build](t, must(t, s, "GET", builds+"?page=1&per_page=1", 200))
	if len(list) != 1 || list[0].Number != 2 || list[0].Stages != nil {
		t.Errorf("page 1 of 1 = %+v, want build 2", list)
	}
	list = decode[[]Build](t, must(t, s, "GET", builds+"?page=2&per_page=1", 200))
	if len(list) != 1 || list[0].Number != 1 {
		t.Errorf("page 2 of 1 = %+v, want build 1", list)
	}
}

// TestEnvironment: a step sees the runner's PATH and USER, the runner's
// DRONE_RUNNER_ENVIRON, the parameters, Drone's variables and a fresh
// HOME, and nothing else of the runner's environment; parameters
// override the host's PATH but not DRONE_* or HOME.
func TestEnvironment(t *testing.T) {
	s := start(t, Config{
		HostEnv: []string{"PATH=/usr/bin:/bin", "USER=runner", "SECRET=leak", "HOME=/root"},
		Environ: map[string]string{"CCCI_CONFIG": "/etc/x.toml"},
		Pipeline: Pipeline{Steps: []Step{{Name: "env", Commands: []string{
			`test -d "$HOME" && test -z "$(ls -A "$HOME")" && echo fresh home`,
			`test "$PWD" = "$DRONE_WORKSPACE" && echo in workspace`,
			"env | sort"}}}},
	})
	must(t, s, "POST", builds+"?P=1&DRONE_BUILD_NUMBER=99&HOME=/tmp&USER=param", 200)
	must(t, s, "POST", builds, 200)
	var homes []string
	for n := int64(1); n <= 2; n++ {
		if b := finished(t, s, n); b.Status != "success" {
			t.Fatalf("build %d: %s", n, b.Status)
		}
		env := map[string]string{}
		var out strings.Builder
		for _, l := range decode[[]Line](t, must(t, s, "GET", builds+"/"+itoa(n)+"/logs/1/1", 200)) {
			out.WriteString(l.Message)
			if k, v, ok := strings.Cut(strings.TrimSuffix(l.Message, "\n"), "="); ok && !strings.Contains(k, " ") {
				env[k] = v
			}
		}
		if !strings.Contains(out.String(), "fresh home\n") || !strings.Contains(out.String(), "in workspace\n") {
			t.Errorf("build %d log:\n%s", n, out.String())
		}
		homes = append(homes, env["HOME"])
		for k, want := range map[string]string{"PATH": "/usr/bin:/bin", "CCCI_CONFIG": "/etc/x.toml",
			"DRONE_BUILD_NUMBER": itoa(n), "DRONE_BUILD_EVENT": "custom", "DRONE_REPO": "coop-cloud/cc-ci",
			"CI": "true", "GIT_TERMINAL_PROMPT": "0", "DRONE_STEP_NAME": "env"} {
			if env[k] != want {
				t.Errorf("build %d: %s=%q, want %q", n, k, env[k], want)
			}
		}
		if _, ok := env["SECRET"]; ok {
			t.Errorf("build %d: SECRET of the runner's environment reached the step", n)
		}
		if n == 1 && (env["P"] != "1" || env["USER"] != "param") {
			t.Errorf("build 1: P=%q USER=%q, want the parameters", env["P"], env["USER"])
		}
		if n == 2 && env["USER"] != "runner" {
			t.Errorf("build 2: USER=%q, want runner", env["USER"])
		}
	}
	if homes[0] == homes[1] || !strings.HasSuffix(homes[0], "/home/drone") {
		t.Errorf("HOMEs %q: want a fresh <root>/home/drone per build", homes)
	}
	if _, err := os.Stat(homes[0]); !os.IsNotExist(err) {
		t.Errorf("build root %s still exists: %v", homes[0], err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestFailure: a failing step fails the build, later steps are skipped
// and have no log.
func TestFailure(t *testing.T) {
	s := start(t, Config{Pipeline: Pipeline{Steps: []Step{
		{Name: "first", Commands: []string{"echo out; echo err >&2", "exit 3", "echo never"}},
		{Name: "second", Commands: []string{"echo second"}}}}})
	must(t, s, "POST", builds, 200)
	b := finished(t, s, 1)
	st := b.Stages[0]
	if b.Status != "failure" || st.Status != "failure" || st.ExitCode != 3 ||
		st.Steps[0].Status != "failure" || st.Steps[0].ExitCode != 3 || st.Steps[1].Status != "skipped" {
		t.Fatalf("build %s, stage %+v, steps %+v %+v", b.Status, st, st.Steps[0], st.Steps[1])
	}
	var out []string
	for _, l := range decode[[]Line](t, must(t, s, "GET", builds+"/1/logs/1/1", 200)) {
		out = append(out, l.Message)
	}
	if got := strings.Join(out, ""); got != "+ echo out; echo err >&2\nout\nerr\n+ exit 3\n" {
		t.Errorf("log of the failing step = %q", got)
	}
	must(t, s, "GET", builds+"/1/logs/1/2", 404)
	must(t, s, "GET", builds+"/1/logs/2/1", 404)
}

// TestCancel: a running build is killed (its step killed, exit code 130,
// the slot free at once), a pending one too (its stage skipped); a
// finished one stays as it is.
func TestCancel(t *testing.T) {
	s := start(t, Config{Slots: 1, Pipeline: Pipeline{Steps: []Step{{Name: "sleep", Commands: []string{
		`if [ "$DRONE_BUILD_NUMBER" = 3 ]; then exit 0; fi`, "echo started", "exec sleep 100"}}}}})
	for range 3 {
		must(t, s, "POST", builds, 200)
	}
	if !s.Wait(10*time.Second, func(bs []Build) bool {
		return bs[0].Status == "running" && bs[0].Stages[0].Steps[0].Status == "running"
	}) {
		t.Fatal("build 1's step never ran")
	}
	b := decode[Build](t, must(t, s, "DELETE", builds+"/2", 200)) // pending
	if b.Status != "killed" || b.Stages[0].Status != "skipped" || b.Stages[0].Steps != nil {
		t.Errorf("cancelled pending build = %s, stage %+v", b.Status, b.Stages[0])
	}
	b = decode[Build](t, must(t, s, "DELETE", builds+"/1", 200)) // running
	if b.Status != "killed" || b.Stages[0].Status != "killed" || b.Stages[0].Steps[0].Status != "killed" ||
		b.Stages[0].Steps[0].ExitCode != 130 || b.Finished == 0 {
		t.Errorf("cancelled running build = %+v, stage %+v, step %+v", b, b.Stages[0], b.Stages[0].Steps[0])
	}
	if b := finished(t, s, 3); b.Status != "success" {
		t.Errorf("build 3 after the cancels = %s, want success (the slot is free)", b.Status)
	}
	if b := s.Builds()[0]; b.Status != "killed" {
		t.Errorf("build 1 after its runner noticed = %s, want killed", b.Status)
	}
	if !s.Wait(5*time.Second, func([]Build) bool { _, _, err := call(t, s, "GET", builds+"/1/logs/1/1", "token"); return err == nil }) {
		t.Error("no log for the killed step")
	}
	b = decode[Build](t, must(t, s, "DELETE", builds+"/3", 200)) // finished
	if b.Status != "success" {
		t.Errorf("cancelling a finished build made it %s", b.Status)
	}
}

// TestSlots: builds run at most Slots at a time, all of them.
func TestSlots(t *testing.T) {
	s := start(t, Config{Slots: 3, Pipeline: Pipeline{Steps: []Step{{Name: "s", Commands: []string{"sleep 0.3"}}}}})
	for range 7 {
		must(t, s, "POST", builds, 200)
	}
	for n := int64(1); n <= 7; n++ {
		if b := finished(t, s, n); b.Status != "success" {
			t.Errorf("build %d: %s", n, b.Status)
		}
	}
	if m := s.MaxRunning(); m != 3 {
		t.Errorf("MaxRunning() = %d, want 3", m)
	}
}

// TestNull: no pipeline matching the custom event, or a Null fault: the
// answer is null and no build is made.
func TestNull(t *testing.T) {
	s := start(t, Config{Pipeline: Pipeline{Events: []string{"push"}, Steps: []Step{{Name: "s", Commands: []string{"true"}}}}})
	if body := must(t, s, "POST", builds, 200); string(body) != "null\n" {
		t.Errorf("create without a matching pipeline = %q, want null", body)
	}
	s2 := start(t, Config{Pipeline: Pipeline{Steps: []Step{{Name: "s", Commands: []string{"true"}}}}})
	s2.Inject(Fault{Method: "POST", Null: true, Times: 1})
	if body := must(t, s2, "POST", builds, 200); string(body) != "null\n" {
		t.Errorf("create with a Null fault = %q, want null", body)
	}
	must(t, s2, "POST", builds, 200)
	if s.Created() != 0 || s2.Created() != 1 {
		t.Errorf("Created() = %d, %d; want 0, 1", s.Created(), s2.Created())
	}
}

// TestFaults: statuses for a number of requests, dropped connections
// before and after the request is handled, builds held pending or
// blocked.
func TestFaults(t *testing.T) {
	s := start(t, Config{Pipeline: Pipeline{Steps: []Step{{Name: "s", Commands: []string{"true"}}}}})
	s.Inject(Fault{Method: "POST", Path: "/api/repos/*/*/builds", Status: 503, Times: 2})
	for _, want := range []int{503, 503, 200} {
		must(t, s, "POST", builds, want)
	}
	s.Inject(Fault{Path: "/api/repos/*/*/builds/1", Status: 401})
	must(t, s, "GET", builds+"/1", 401)
	must(t, s, "GET", builds+"/1", 401)
	s.Clear()
	must(t, s, "GET", builds+"/1", 200)

	// Dropped before: no answer, no build. Dropped after: no answer, a build.
	s.Inject(Fault{Method: "POST", Drop: true, Times: 1})
	if _, _, err := call(t, s, "POST", builds, "token"); err == nil {
		t.Error("POST with a Drop fault: no transport error")
	}
	if n := s.Created(); n != 1 {
		t.Errorf("after a dropped create, Created() = %d, want 1", n)
	}
	s.Inject(Fault{Method: "POST", Drop: true, Handle: true, Times: 1})
	if _, _, err := call(t, s, "POST", builds, "token"); err == nil {
		t.Error("POST with a Drop+Handle fault: no transport error")
	}
	if n := s.Created(); n != 2 {
		t.Errorf("after a create dropped once handled, Created() = %d, want 2", n)
	}

	// Held: pending for good, or blocked; both cancel to killed.
	s.Inject(Fault{Method: "POST", Hold: "pending", Times: 1})
	s.Inject(Fault{Method: "POST", Hold: "blocked", Times: 1})
	p := decode[Build](t, must(t, s, "POST", builds, 200))
	if p.Number != 3 {
		t.Fatalf("held build number %d, want 3", p.Number)
	}
	bl := decode[Build](t, must(t, s, "POST", builds, 200))
	next := decode[Build](t, must(t, s, "POST", builds, 200))
	finished(t, s, next.Number) // the runner took the build after them
	bs := s.Builds()
	if bs[2].Status != "pending" || bs[3].Status != "pending" || bs[3].Stages[0].Status != "blocked" {
		t.Errorf("held builds: %s, %s (stage %s); want pending, pending (stage blocked)", bs[2].Status, bs[3].Status, bs[3].Stages[0].Status)
	}
	for _, n := range []int64{p.Number, bl.Number} {
		b := decode[Build](t, must(t, s, "DELETE", builds+"/"+itoa(n), 200))
		if b.Status != "killed" || b.Stages[0].Status != "skipped" {
			t.Errorf("cancelled held build %d = %s, stage %s; want killed, skipped", n, b.Status, b.Stages[0].Status)
		}
	}
	var statuses []int
	for _, r := range s.Requests() {
		statuses = append(statuses, r.Status)
	}
	if !slices.Contains(statuses, 0) || !slices.Contains(statuses, 503) {
		t.Errorf("Requests() statuses %v: want the drops (0) and the 503s", statuses)
	}
}
