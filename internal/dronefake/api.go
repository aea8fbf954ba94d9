package dronefake

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"time"
)

// handler routes the API, behind the fault injector.
func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	repo := "/api/repos/{owner}/{name}"
	mux.HandleFunc("POST "+repo+"/builds", s.access(true, s.create))
	mux.HandleFunc("GET "+repo+"/builds", s.access(false, s.list))
	mux.HandleFunc("GET "+repo+"/builds/{number}", s.access(false, s.find))
	mux.HandleFunc("DELETE "+repo+"/builds/{number}", s.access(true, s.cancelBuild))
	mux.HandleFunc("GET "+repo+"/builds/{number}/logs/{stage}/{step}", s.access(false, s.logs))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		s.serve(rec, r, mux)
		s.mu.Lock()
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Status: rec.status})
		s.mu.Unlock()
	})
}

// serve applies the first matching fault, else lets h answer.
func (s *Server) serve(w *statusRecorder, r *http.Request, h http.Handler) {
	f := s.fault(r.Method, r.URL.Path)
	switch {
	case f == nil:
		h.ServeHTTP(w, r)
	case f.Status != 0:
		renderError(w, f.Status, http.StatusText(f.Status))
	case f.Drop:
		if f.Handle {
			h.ServeHTTP(httptest.NewRecorder(), r.WithContext(withFault(r.Context(), f)))
		}
		drop(w)
	default: // Null, Hold: the create handler reads them
		h.ServeHTTP(w, r.WithContext(withFault(r.Context(), f)))
	}
}

// drop closes the connection without an answer.
func drop(w *statusRecorder) {
	w.status = 0
	conn, _, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // what net/http does for a handler that gives up
	}
	conn.Close()
}

// statusRecorder remembers the status written.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// renderJSON is render.JSON.
func renderJSON(w http.ResponseWriter, v any, status int) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// renderError is render.ErrorCode: {"message": msg}.
func renderError(w http.ResponseWriter, status int, msg string) {
	renderJSON(w, map[string]string{"message": msg}, status)
}

// errNoRows is what Drone's stores answer for a build, stage, step or log
// that is not there.
const noRows = "sql: no rows in result set"

// access is session.Get, acl.InjectRepository and acl.CheckAccess for a
// private repository: the token from the Authorization header (else
// ?access_token=), a guest without the right one; 401 for a guest, known
// repository or not; 404 for the user and an unknown repository, and for
// a write without write access (Config.ReadOnly).
func (s *Server) access(write bool, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := r.Header.Get("Authorization")
		if token == "" {
			token = r.FormValue("access_token")
		}
		user := strings.TrimPrefix(token, "Bearer ") == s.cfg.Token
		known := r.PathValue("owner")+"/"+r.PathValue("name") == s.cfg.Repo
		switch {
		case !user:
			renderError(w, http.StatusUnauthorized, "Unauthorized")
		case !known, write && s.cfg.ReadOnly:
			renderError(w, http.StatusNotFound, "Not Found")
		default:
			h(w, r)
		}
	}
}

// create is builds.HandleCreate followed by trigger.Trigger for one exec
// pipeline: the custom event, the branch (else the default one) and its
// head commit (else ?commit=), every other query key a parameter.
func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	sha, branch := r.FormValue("commit"), r.FormValue("branch")
	if branch == "" {
		branch = s.cfg.Branch
	}
	if sha == "" {
		sum := sha1.Sum([]byte(s.cfg.Repo + "@" + branch))
		sha = hex.EncodeToString(sum[:])
	}
	params := map[string]string{}
	for key, value := range r.URL.Query() {
		if key == "access_token" || key == "commit" || key == "branch" || len(value) == 0 {
			continue
		}
		params[key] = value[0]
	}
	f := faultFrom(r.Context())
	if (f != nil && f.Null) || !slices.Contains(s.cfg.Pipeline.Events, "custom") {
		renderJSON(w, nil, http.StatusOK) // trigger: skipping build, no matching pipelines
		return
	}
	hold := ""
	if f != nil {
		hold = f.Hold
	}
	b := s.trigger(branch, sha, params, hold)
	renderJSON(w, b, http.StatusOK)
}

// trigger makes the build and its stage, and queues it unless held.
func (s *Server) trigger(branch, sha string, params map[string]string, hold string) Build {
	now := time.Now().Unix()
	s.mu.Lock()
	defer s.mu.Unlock()
	n := int64(len(s.builds) + 1)
	b := &build{Build: Build{ID: n, RepoID: 1, Trigger: s.cfg.Login, Number: n, Status: statusPending,
		Event: "custom", Link: "https://git.example.org/" + s.cfg.Repo + "/commit/" + sha,
		Before: sha, After: sha, Ref: "refs/heads/" + branch, Source: branch, Target: branch,
		Sender: s.cfg.Login, Params: params, Created: now, Updated: now, Version: 1},
		logs: map[int][]Line{}}
	b.stage = &Stage{ID: n, RepoID: 1, BuildID: n, Number: 1, Name: s.cfg.Pipeline.Name, Kind: "pipeline",
		Type: "exec", Status: statusPending, OS: "linux", Arch: "amd64", Created: now, Updated: now, Version: 1}
	s.builds = append(s.builds, b)
	switch hold {
	case statusBlocked: // an unverified config: the stage awaits approval
		b.stage.Status = statusBlocked
	case statusPending: // no runner will take it
	default:
		select {
		case s.queue <- b:
		default: // more waiting than maxQueue: this one stays pending
		}
	}
	return b.snapshot(false) // the trigger returns the build without its stages
}

// lookup finds the build named by {number}, answering 400 or 404 itself.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request) *build {
	n, err := strconv.ParseInt(r.PathValue("number"), 10, 64)
	if err != nil {
		renderError(w, http.StatusBadRequest, err.Error())
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if n < 1 || n > int64(len(s.builds)) {
		renderError(w, http.StatusNotFound, noRows)
		return nil
	}
	return s.builds[n-1]
}

// find is builds.HandleFind: the build with its stages and their steps.
func (s *Server) find(w http.ResponseWriter, r *http.Request) {
	b := s.lookup(w, r)
	if b == nil {
		return
	}
	s.mu.Lock()
	snap := b.snapshot(true)
	s.mu.Unlock()
	renderJSON(w, snap, http.StatusOK)
}

// list is builds.HandleList: page (from 1) of per_page (1 to 100, else
// 25) builds, newest first, of one branch when ?branch= names it.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	page, _ := strconv.Atoi(r.FormValue("page"))
	limit, _ := strconv.Atoi(r.FormValue("per_page"))
	if limit < 1 || limit > 100 {
		limit = 25
	}
	offset := 0
	if page > 1 {
		offset = (page - 1) * limit
	}
	branch := r.FormValue("branch")
	s.mu.Lock()
	out := []Build{}
	for i := len(s.builds) - 1; i >= 0 && len(out) < limit; i-- {
		b := s.builds[i]
		if branch != "" && b.Ref != "refs/heads/"+branch {
			continue
		}
		if offset > 0 {
			offset--
			continue
		}
		out = append(out, b.snapshot(false))
	}
	s.mu.Unlock()
	renderJSON(w, out, http.StatusOK)
}

// cancelBuild is builds.HandleCancel: a pending or running build becomes
// killed and its runner stops; unfinished stages and steps become killed
// (when started) or skipped, steps with exit code 130. A finished build
// is left as it is. The answer is the build with its stages.
func (s *Server) cancelBuild(w http.ResponseWriter, r *http.Request) {
	b := s.lookup(w, r)
	if b == nil {
		return
	}
	now := time.Now().Unix()
	s.mu.Lock()
	if b.Status == statusPending || b.Status == statusRunning {
		b.Status, b.Finished, b.Updated = statusKilled, now, now
		if b.Started == 0 {
			b.Started = now
		}
		if b.cancel != nil {
			b.cancel()
		}
	}
	if st := b.stage; st != nil && !done(st.Status) {
		st.Status, st.Stopped = stopped(st.Started, now)
		for _, step := range st.Steps {
			if !done(step.Status) {
				step.Status, step.Stopped = stopped(step.Started, now)
				step.ExitCode = 130
				if step.Started == 0 {
					step.Started = now
				}
			}
		}
		if st.Started == 0 {
			st.Started = now
		}
	}
	snap := b.snapshot(true)
	s.mu.Unlock()
	renderJSON(w, snap, http.StatusOK)
}

// stopped is the status a cancel gives to what started (killed) or not
// (skipped), and the stop time.
func stopped(started, now int64) (string, int64) {
	if started != 0 {
		return statusKilled, now
	}
	return statusSkipped, now
}

// logs is logs.HandleFind: the step's lines once it has ended.
func (s *Server) logs(w http.ResponseWriter, r *http.Request) {
	b := s.lookup(w, r)
	if b == nil {
		return
	}
	stage, err1 := strconv.Atoi(r.PathValue("stage"))
	step, err2 := strconv.Atoi(r.PathValue("step"))
	if err := errors.Join(err1, err2); err != nil {
		renderError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.mu.Lock()
	lines, ok := b.logs[step]
	exists := b.stage != nil && stage == b.stage.Number && step >= 1 && step <= len(b.stage.Steps)
	s.mu.Unlock()
	if !exists || !ok {
		renderError(w, http.StatusNotFound, noRows)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(lines)
}

// String describes a request for test failures.
func (r Request) String() string { return fmt.Sprintf("%s %s -> %d", r.Method, r.Path, r.Status) }

type faultKey struct{}

// withFault hands the fault that matched a request to its handler.
func withFault(ctx context.Context, f *Fault) context.Context {
	return context.WithValue(ctx, faultKey{}, f)
}

func faultFrom(ctx context.Context) *Fault {
	f, _ := ctx.Value(faultKey{}).(*Fault)
	return f
}
