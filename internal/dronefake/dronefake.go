// Package dronefake is a stand-in Drone server for tests: an httptest
// server that implements the endpoints cc-ci's sweep uses, as Drone server
// 2.x implements them (drone/drone handler/api), and runs each build the
// way Drone's exec runner does (drone-runners/drone-runner-exec engine,
// drone/runner-go): every step is a real process.
//
// # API
//
//	POST   /api/repos/{owner}/{name}/builds?branch=&commit=&KEY=VALUE   create (custom event)
//	GET    /api/repos/{owner}/{name}/builds?page=&per_page=             list, newest first
//	GET    /api/repos/{owner}/{name}/builds/{number}                    a build with stages[].steps[]
//	DELETE /api/repos/{owner}/{name}/builds/{number}                    cancel
//	GET    /api/repos/{owner}/{name}/builds/{number}/logs/{stage}/{step} a step's log
//
// As in Drone: the token comes from "Authorization: Bearer TOKEN" (else
// ?access_token=); a request without the right one is a guest, and a guest
// gets 401 for the (private) repository, known or not, while the user gets
// 404 for a repository that does not exist (acl.InjectRepository,
// acl.CheckAccess). Errors are {"message": ...}. Create takes every query
// key but access_token, commit and branch as a build parameter (the first
// value of each, parsed by url.Values as Drone's r.URL.Query() does) and
// answers JSON null when no pipeline's trigger matches the custom event
// (trigger.Trigger's nil, nil). A build is pending until a runner slot
// takes it, then running, then success, failure or killed; DELETE kills a
// pending or running build and marks its unfinished stages and steps
// killed (started) or skipped (not started), steps with exit code 130
// (builds.HandleCancel). A step's log exists once the step has ended, as
// [{"pos","out","time"}] (core.Line); before that it is 404.
//
// # Runner
//
// Slots runner slots (DRONE_RUNNER_CAPACITY) take pending builds in
// order. Each build gets a fresh root <Root>/drone-<random> holding
// home/drone (HOME), drone/src (the workspace, the steps' working
// directory) and opt/ (the step scripts), removed afterwards. Each step is
// "/bin/sh -e <root>/opt/<slug>", the script written as runner-go's
// shell/bash.Script writes it (set -e, then "echo + CMD" and CMD for each
// command). Its environment is built as the exec runner's compiler builds
// it, later sources winning: PATH and USER of the runner process (HostEnv),
// Environ (DRONE_RUNNER_ENVIRON), the build's parameters, proxy variables,
// CI and the DRONE_* variables, then HOME, DRONE_HOME, DRONE_WORKSPACE and
// GIT_TERMINAL_PROMPT=0. Its output is cut into log lines as runner-go's
// livelog does. A step that fails makes the later ones skipped and the
// build a failure. Cancelling a running build kills the step's process
// (the shell only, as the exec runner's Process.Kill does) and frees the
// slot at once.
//
// Not faithful, for the tests' sake: there is no clone step unless the
// pipeline names one; each step leads a process group, which Close kills,
// so that nothing a test started outlives it.
//
// # Faults
//
// Inject adds a Fault: an answer with a status (401, 404, 5xx bursts), a
// connection dropped before or after the request is handled, a create
// answered null, or builds held pending (no runner takes them) or blocked
// (awaiting approval), for a number of matching requests or until Clear.
package dronefake

import (
	"coopcloud.tech/cc-ci/internal/proctest"
	"net/http/httptest"
	"os"
	"path"
	"slices"
	"sync"
	"time"
)

// Config describes the server, its one user and repository, and the
// repository's .drone.yml.
type Config struct {
	Token    string            // the user's token; "" means "token"
	Login    string            // the user's login; "" means "cc-ci"
	Repo     string            // owner/name, the one repository; "" means "coop-cloud/cc-ci"
	Branch   string            // the repository's default branch; "" means "main"
	Slots    int               // runner slots; less than 1 means 1
	Pipeline Pipeline          // the repository's one pipeline
	Environ  map[string]string // DRONE_RUNNER_ENVIRON: in every step's environment
	HostEnv  []string          // the runner process's environment; nil means os.Environ()
	Root     string            // DRONE_RUNNER_ROOT; "" means os.TempDir()
	ReadOnly bool              // the user may read the repository but not write (create, cancel: 404)
}

// Pipeline is an exec pipeline of the repository's .drone.yml.
type Pipeline struct {
	Name   string   // the stage's name; "" means "default"
	Events []string // trigger.event; a create (event custom) matching none is answered null
	Steps  []Step
}

// Step is one step: its commands, run by /bin/sh -e.
type Step struct {
	Name     string
	Commands []string
}

// Fault is an injected failure. It applies to requests whose method is
// Method ("" any) and whose path matches Path (path.Match; "" any), the
// first Times of them (0: every one until Clear); the first fault that
// matches a request is the one applied.
type Fault struct {
	Method string
	Path   string
	Times  int

	Status int    // answer with this status and {"message": its text}
	Drop   bool   // close the connection without an answer
	Handle bool   // with Drop: handle the request first (a create makes its build), then drop
	Null   bool   // answer a create with null, making no build (Drone's skip)
	Hold   string // a create makes a build that stays "pending" (no runner takes it) or is "blocked" (awaiting approval)
}

// Request is one request the server received, and its answer's status
// (0 for a dropped connection).
type Request struct {
	Method, Path string
	Status       int
}

// Server is a running stand-in. Its methods are safe for concurrent use.
type Server struct {
	URL string

	cfg   Config
	http  *httptest.Server
	quit  chan struct{}
	wg    sync.WaitGroup
	queue chan *build // pending builds, in order

	mu         sync.Mutex
	builds     []*build // by number - 1
	faults     []*Fault
	requests   []Request
	running    int
	maxRunning int
	procs      map[int]bool // process groups of steps that may still run
}

// maxQueue is how many builds may wait for a runner.
const maxQueue = 1 << 12

// Start starts a server.
func Start(cfg Config) *Server {
	if cfg.Token == "" {
		cfg.Token = "token"
	}
	if cfg.Login == "" {
		cfg.Login = "cc-ci"
	}
	if cfg.Repo == "" {
		cfg.Repo = "coop-cloud/cc-ci"
	}
	if cfg.Branch == "" {
		cfg.Branch = "main"
	}
	if cfg.Pipeline.Name == "" {
		cfg.Pipeline.Name = "default"
	}
	cfg.Slots = max(cfg.Slots, 1)
	if cfg.HostEnv == nil {
		cfg.HostEnv = os.Environ()
	}
	if cfg.Root == "" {
		cfg.Root = os.TempDir()
	}
	s := &Server{cfg: cfg, quit: make(chan struct{}), queue: make(chan *build, maxQueue), procs: map[int]bool{}}
	s.http = httptest.NewServer(s.handler())
	s.URL = s.http.URL
	for slot := range cfg.Slots {
		s.wg.Add(1)
		go s.runner(slot + 1)
	}
	return s
}

// Close stops the server and its runners, kills what its steps left
// running, and waits for them.
func (s *Server) Close() {
	s.http.Close()
	close(s.quit)
	s.mu.Lock()
	for _, b := range s.builds {
		if b.cancel != nil {
			b.cancel()
		}
	}
	for pgid := range s.procs {
		killGroup(pgid)
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// Inject adds a fault.
func (s *Server) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// Clear removes every fault.
func (s *Server) Clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// fault takes the first fault matching the request, counting it.
func (s *Server) fault(method, p string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Method != "" && f.Method != method {
			continue
		}
		if ok, _ := path.Match(f.Path, p); f.Path != "" && !ok {
			continue
		}
		if f.Times > 0 {
			if f.Times--; f.Times == 0 {
				s.faults = slices.Delete(s.faults, i, i+1)
			}
		}
		c := *f
		return &c
	}
	return nil
}

// Builds returns a copy of every build, in number order.
func (s *Server) Builds() []Build {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Build, len(s.builds))
	for i, b := range s.builds {
		out[i] = b.snapshot(true)
	}
	return out
}

// Created is how many builds the server made.
func (s *Server) Created() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.builds)
}

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// MaxRunning is the most builds that ran at the same time.
func (s *Server) MaxRunning() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxRunning
}

// Wait polls every 10ms, up to limit, until cond holds for the builds;
// it reports whether it did.
func (s *Server) Wait(limit time.Duration, cond func([]Build) bool) bool {
	return proctest.Eventually(limit, func() bool { return cond(s.Builds()) })
}
