package drone

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"coopcloud.tech/cc-ci/internal/dronefake"
	"coopcloud.tech/cc-ci/internal/proctest"
)

const repo = "coop-cloud/cc-ci"

func fake(t *testing.T, cfg dronefake.Config) (*dronefake.Server, *Client) {
	t.Helper()
	if cfg.Pipeline.Events == nil {
		cfg.Pipeline.Events = []string{"custom"}
	}
	cfg.Root = t.TempDir()
	s := dronefake.Start(cfg)
	t.Cleanup(s.Close)
	return s, &Client{Server: s.URL + "/", Token: "token"}
}

// wait polls the build until it is done.
func wait(t *testing.T, c *Client, n int64) *Build {
	t.Helper()
	var b *Build
	done := proctest.Eventually(2*proctest.Wait, func() bool {
		var err error
		if b, err = c.Build(context.Background(), repo, n); err != nil {
			t.Fatalf("Build(%d): %v", n, err)
		}
		return Done(b.Status)
	})
	if !done {
		t.Fatalf("build %d not done in %s", n, 2*proctest.Wait)
	}
	return b
}

// TestBuildLifecycle: create with parameters, poll to the end, read every
// step's log, list, cancel.
func TestBuildLifecycle(t *testing.T) {
	s, c := fake(t, dronefake.Config{Pipeline: dronefake.Pipeline{Name: "recipe", Steps: []dronefake.Step{
		{Name: "clone", Commands: []string{"echo cloned"}},
		{Name: "test recipe", Commands: []string{`echo "$CCCI_RECIPE $CCCI_VERSION on $DRONE_BRANCH"`, "exit 1"}}}}})
	ctx := context.Background()
	b, err := c.Create(ctx, repo, "main", map[string]string{"CCCI_RECIPE": "gitea", "CCCI_VERSION": "3.6.0+1.24.2"})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if b.Number != 1 || b.Params["CCCI_VERSION"] != "3.6.0+1.24.2" || b.Params["branch"] != "" || b.Target != "main" {
		t.Errorf("Create = %+v, want build 1 with the version's + intact, branch main and not a parameter", b)
	}
	b = wait(t, c, 1)
	if b.Status != StatusFailing || len(b.Stages) != 1 || len(b.Stages[0].Steps) != 2 {
		t.Fatalf("build = %+v, want a failure with one stage of two steps", b)
	}
	var out []string
	for _, step := range b.Stages[0].Steps {
		lines, err := c.Logs(ctx, repo, 1, b.Stages[0].Number, step.Number)
		if err != nil {
			t.Fatalf("Logs(step %d): %v", step.Number, err)
		}
		for _, l := range lines {
			out = append(out, l.Out)
		}
	}
	want := "+ echo cloned\ncloned\n+ echo \"$CCCI_RECIPE $CCCI_VERSION on $DRONE_BRANCH\"\ngitea 3.6.0+1.24.2 on main\n+ exit 1\n"
	if got := strings.Join(out, ""); got != want {
		t.Errorf("logs = %q, want %q", got, want)
	}
	list, err := c.Builds(ctx, repo, 1, 10)
	if err != nil || len(list) != 1 || list[0].Params["CCCI_RECIPE"] != "gitea" {
		t.Errorf("Builds = %+v, %v; want build 1 with its params", list, err)
	}
	if got, want := c.Link(repo, 1), s.URL+"/coop-cloud/cc-ci/1"; got != want {
		t.Errorf("Link = %q, want %q", got, want)
	}
	if b, err := c.Cancel(ctx, repo, 1); err != nil || b.Status != StatusFailing {
		t.Errorf("Cancel(finished) = %+v, %v; want it left as failure", b, err)
	}
}

// TestCancel: a running build is killed.
func TestCancel(t *testing.T) {
	s, c := fake(t, dronefake.Config{Pipeline: dronefake.Pipeline{Steps: []dronefake.Step{{Name: "s", Commands: []string{"exec sleep 100"}}}}})
	ctx := context.Background()
	if _, err := c.Create(ctx, repo, "", nil); err != nil {
		t.Fatal(err)
	}
	if !s.Wait(10*time.Second, func(bs []dronefake.Build) bool { return bs[0].Status == StatusRunning }) {
		t.Fatal("not running")
	}
	b, err := c.Cancel(ctx, repo, 1)
	if err != nil || b.Status != StatusKilled {
		t.Fatalf("Cancel = %+v, %v; want killed", b, err)
	}
}

// TestErrors: what each failure is, for a retry policy.
func TestErrors(t *testing.T) {
	s, c := fake(t, dronefake.Config{Pipeline: dronefake.Pipeline{Steps: []dronefake.Step{{Name: "s", Commands: []string{"true"}}}}})
	ctx := context.Background()
	bad := &Client{Server: s.URL, Token: "wrong"}
	_, err := bad.Create(ctx, repo, "", nil)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != 401 || !Refused(err) || Temporary(err) ||
		err.Error() != "POST /api/repos/coop-cloud/cc-ci/builds: 401 Unauthorized" {
		t.Errorf("Create with a wrong token = %v, want a refusal, 401", err)
	}
	_, err = c.Build(ctx, "coop-cloud/nope", 1)
	if !Refused(err) || !strings.Contains(err.Error(), "404 Not Found") {
		t.Errorf("Build of an unknown repository = %v, want a refusal, 404", err)
	}
	s.Inject(dronefake.Fault{Status: 502, Times: 1})
	_, err = c.Build(ctx, repo, 1)
	if !Temporary(err) || Refused(err) {
		t.Errorf("Build answered 502 = %v, want temporary", err)
	}
	s.Inject(dronefake.Fault{Method: "POST", Drop: true, Times: 1})
	_, err = c.Create(ctx, repo, "", nil)
	if err == nil || !Temporary(err) {
		t.Errorf("Create on a dropped connection = %v, want a temporary error", err)
	}
	s.Inject(dronefake.Fault{Method: "POST", Null: true, Times: 1})
	_, err = c.Create(ctx, repo, "", nil)
	if !errors.Is(err, ErrNothingScheduled) || Temporary(err) || Refused(err) {
		t.Errorf("Create answered null = %v, want ErrNothingScheduled", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.Build(cctx, repo, 1); !errors.Is(err, context.Canceled) || Temporary(err) {
		t.Errorf("Build with a cancelled context = %v, want context.Canceled, not temporary", err)
	}
	if _, err := c.Build(ctx, "nope", 1); err == nil || !strings.Contains(err.Error(), "not owner/name") {
		t.Errorf("Build(repo nope) = %v", err)
	}
}

// TestRequestShape: the token in the header only, no body, no
// Content-Type, a "+" as %2B.
func TestRequestShape(t *testing.T) {
	var got *http.Request
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		body, _ = io.ReadAll(r.Body)
		w.Write([]byte(`{"number": 5, "status": "pending"}`))
	}))
	defer srv.Close()
	c := &Client{Server: srv.URL, Token: "s3cret"}
	if _, err := c.Create(context.Background(), repo, "main", map[string]string{"CCCI_VERSION": "1.0.0+2"}); err != nil {
		t.Fatal(err)
	}
	if got.Header.Get("Authorization") != "Bearer s3cret" || got.Header.Get("Content-Type") != "" ||
		len(body) != 0 || got.ContentLength > 0 {
		t.Errorf("request headers %v, body %q: want a bearer token, no Content-Type, no body", got.Header, body)
	}
	if got.URL.RawQuery != "CCCI_VERSION=1.0.0%2B2&branch=main" || strings.Contains(got.URL.RawQuery, "s3cret") {
		t.Errorf("query = %q, want CCCI_VERSION=1.0.0%%2B2&branch=main", got.URL.RawQuery)
	}
}
