// Package drone is a small client for the part of Drone's REST API that the
// cc-ci sweep uses to hand recipe runs to Drone: create a build of a
// repository's custom-event pipeline with parameters, read a build with its
// stages and steps, list a repository's builds, cancel a build, and read a
// step's log. It speaks to Drone server 1.x and 2.x as its handlers
// (drone/drone handler/api) and documentation (docs.drone.io/api) describe
// them; net/http and encoding/json only.
//
// Every request sends the token as "Authorization: Bearer TOKEN", never in
// the URL. A create request carries its parameters in the query, built with
// url.Values (a "+" in a version travels as %2B, which Drone's query parsing
// turns back into "+"), with an empty body and no Content-Type: both
// variants of Drone's create handler then take the parameters from the
// query.
//
// Errors: an answer above 299 is an *APIError carrying the status and
// Drone's message; a create answered with JSON null (Drone scheduled
// nothing: no pipeline matches the custom event, or a skip) is an error
// matching ErrNothingScheduled; anything else (a refused or dropped
// connection, a truncated answer) is the transport's error. Temporary and
// Refused sort them for a caller's retry policy. A Client is safe for
// concurrent use; each call makes one request.
package drone

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Build statuses (drone-go drone/const.go).
const (
	StatusSkipped  = "skipped"
	StatusBlocked  = "blocked"
	StatusDeclined = "declined"
	StatusWaiting  = "waiting_on_dependencies"
	StatusPending  = "pending"
	StatusRunning  = "running"
	StatusPassing  = "success"
	StatusFailing  = "failure"
	StatusKilled   = "killed"
	StatusError    = "error"
)

// Done reports whether a build, stage or step in this status has ended:
// anything but waiting, pending, running and blocked (core.Stage.IsDone).
func Done(status string) bool {
	switch status {
	case StatusWaiting, StatusPending, StatusRunning, StatusBlocked:
		return false
	}
	return true
}

// Build is a build as GET /api/repos/{owner}/{name}/builds/{number}
// returns it (core.Build with its stages); times are unix seconds, 0 when
// not yet.
type Build struct {
	ID       int64             `json:"id"`
	Number   int64             `json:"number"`
	Parent   int64             `json:"parent,omitempty"`
	Status   string            `json:"status"`
	Error    string            `json:"error,omitempty"`
	Event    string            `json:"event"`
	Trigger  string            `json:"trigger"`
	Link     string            `json:"link"` // the commit's link, not the build's page
	Ref      string            `json:"ref"`
	Target   string            `json:"target"`
	After    string            `json:"after"`
	Params   map[string]string `json:"params,omitempty"`
	Started  int64             `json:"started"`
	Finished int64             `json:"finished"`
	Created  int64             `json:"created"`
	Updated  int64             `json:"updated"`
	Stages   []*Stage          `json:"stages,omitempty"`
}

// Stage is one pipeline of a build (core.Stage).
type Stage struct {
	Number   int     `json:"number"`
	Name     string  `json:"name"`
	Kind     string  `json:"kind,omitempty"`
	Type     string  `json:"type,omitempty"`
	Status   string  `json:"status"`
	Error    string  `json:"error,omitempty"`
	ExitCode int     `json:"exit_code"`
	Machine  string  `json:"machine,omitempty"`
	Started  int64   `json:"started"`
	Stopped  int64   `json:"stopped"`
	Steps    []*Step `json:"steps,omitempty"`
}

// Step is one step of a stage (core.Step).
type Step struct {
	Number   int    `json:"number"`
	Name     string `json:"name"`
	Status   string `json:"status"`
	Error    string `json:"error,omitempty"`
	ExitCode int    `json:"exit_code"`
	Started  int64  `json:"started,omitempty"`
	Stopped  int64  `json:"stopped,omitempty"`
}

// Line is one line of a step's log (core.Line): its position from 0, its
// text (with its newline, when it had one) and the seconds since the step
// started.
type Line struct {
	Pos  int    `json:"pos"`
	Out  string `json:"out"`
	Time int64  `json:"time"`
}

// ErrNothingScheduled matches the error of a create that Drone answered
// with null: it made no build.
var ErrNothingScheduled = errors.New("drone scheduled nothing")

// APIError is an answer above 299. Path is the request's path (the
// query, which may hold parameters, is left out); Message is Drone's
// {"message"} or the start of the body.
type APIError struct {
	Method, Path string
	Code         int
	Message      string
}

func (e *APIError) Error() string {
	s := e.Method + " " + e.Path + ": " + strconv.Itoa(e.Code) + " " + http.StatusText(e.Code)
	if e.Message != "" && e.Message != http.StatusText(e.Code) {
		s += ": " + e.Message
	}
	return s
}

// Refused reports whether err is the server refusing the token or the
// repository: 401, 403 or 404. Retrying cannot help.
func Refused(err error) bool {
	var se *APIError
	return errors.As(err, &se) && (se.Code == 401 || se.Code == 403 || se.Code == 404)
}

// Temporary reports whether err may go away by itself: a 5xx or 429
// answer, or a transport error (refused or dropped connection, truncated
// answer). A cancelled or expired context is not temporary, nor is any
// other answer.
func Temporary(err error) bool {
	var se *APIError
	switch {
	case err == nil, errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, ErrNothingScheduled):
		return false
	case errors.As(err, &se):
		return se.Code >= 500 || se.Code == http.StatusTooManyRequests
	}
	return true
}

// maxBody bounds what is read of an answer (a step's log can be large).
const maxBody = 64 << 20

// Client talks to one Drone server. Its zero value has no server.
type Client struct {
	Server string       // base URL, e.g. https://drone.example.org (a trailing slash is ignored)
	Token  string       // the user's API token
	HTTP   *http.Client // nil: http.DefaultClient
}

// Create starts a build of repo ("owner/name") on branch ("" for the
// repository's default branch) with params as build parameters: POST
// /api/repos/{owner}/{name}/builds?branch=...&KEY=VALUE. Drone runs every
// pipeline of the repository's .drone.yml whose trigger matches the custom
// event; an answer of null (none matches) is an error matching
// ErrNothingScheduled.
func (c *Client) Create(ctx context.Context, repo, branch string, params map[string]string) (*Build, error) {
	q := url.Values{}
	for k, v := range params {
		q.Set(k, v)
	}
	if branch != "" {
		q.Set("branch", branch)
	}
	path, err := repoPath(repo, "builds")
	if err != nil {
		return nil, err
	}
	var b *Build
	if err := c.do(ctx, http.MethodPost, path, q, &b); err != nil {
		return nil, err
	}
	if b == nil {
		return nil, fmt.Errorf("POST %s: %w (Drone answered null)", path, ErrNothingScheduled)
	}
	return b, nil
}

// Build reads build number of repo, with its stages and steps.
func (c *Client) Build(ctx context.Context, repo string, number int64) (*Build, error) {
	path, err := repoPath(repo, "builds", strconv.FormatInt(number, 10))
	if err != nil {
		return nil, err
	}
	var b Build
	if err := c.do(ctx, http.MethodGet, path, nil, &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// Builds lists repo's builds, newest first, page (from 1) of perPage
// (1 to 100; Drone takes 25 for anything else).
func (c *Client) Builds(ctx context.Context, repo string, page, perPage int) ([]*Build, error) {
	path, err := repoPath(repo, "builds")
	if err != nil {
		return nil, err
	}
	q := url.Values{"page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(perPage)}}
	var bs []*Build
	if err := c.do(ctx, http.MethodGet, path, q, &bs); err != nil {
		return nil, err
	}
	return bs, nil
}

// Cancel cancels build number of repo: DELETE
// /api/repos/{owner}/{name}/builds/{number}. Drone kills a pending or
// running build (status killed) and leaves a finished or blocked one as it
// is; either way it answers with the build.
func (c *Client) Cancel(ctx context.Context, repo string, number int64) (*Build, error) {
	path, err := repoPath(repo, "builds", strconv.FormatInt(number, 10))
	if err != nil {
		return nil, err
	}
	var b Build
	if err := c.do(ctx, http.MethodDelete, path, nil, &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// Logs reads the log of step (its number) of stage (its number) of build
// number. Drone keeps a step's log once the step has ended; before that,
// and for a step that never ran, it answers 404.
func (c *Client) Logs(ctx context.Context, repo string, number int64, stage, step int) ([]Line, error) {
	path, err := repoPath(repo, "builds", strconv.FormatInt(number, 10), "logs", strconv.Itoa(stage), strconv.Itoa(step))
	if err != nil {
		return nil, err
	}
	var lines []Line
	if err := c.do(ctx, http.MethodGet, path, nil, &lines); err != nil {
		return nil, err
	}
	return lines, nil
}

// Link is the address of build number's page in Drone's web interface.
func (c *Client) Link(repo string, number int64) string {
	return strings.TrimRight(c.Server, "/") + "/" + repo + "/" + strconv.FormatInt(number, 10)
}

// repoPath is /api/repos/{owner}/{name}/elem..., each part escaped.
func repoPath(repo string, elem ...string) (string, error) {
	owner, name, ok := strings.Cut(repo, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return "", fmt.Errorf("drone repository %q is not owner/name", repo)
	}
	parts := append([]string{"/api/repos", url.PathEscape(owner), url.PathEscape(name)}, elem...)
	return strings.Join(parts, "/"), nil
}

// do sends one request (no body, no Content-Type) and decodes a 2xx
// answer into out.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, out any) error {
	u := strings.TrimRight(c.Server, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Accept", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, unwrapURL(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode > 299 {
		return &APIError{Method: method, Path: path, Code: resp.StatusCode, Message: message(body)}
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("%s %s: decoding the answer: %w", method, path, err)
	}
	return nil
}

// unwrapURL drops *url.Error, whose message repeats the whole URL.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// message is Drone's {"message": ...}, else the body's first line, short.
func message(body []byte) string {
	var m struct{ Message string }
	if json.Unmarshal(body, &m) == nil && m.Message != "" {
		return m.Message
	}
	line, _, _ := bytes.Cut(bytes.TrimSpace(body), []byte("\n"))
	if len(line) > 200 {
		line = append(line[:200:200], "..."...)
	}
	return string(line)
}
