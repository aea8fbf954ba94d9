package dronefake

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// runner is one slot: it takes pending builds in order and runs them.
func (s *Server) runner(slot int) {
	defer s.wg.Done()
	for {
		select {
		case <-s.quit:
			return
		case b := <-s.queue:
			if s.accept(b, slot) {
				s.run(b)
			}
		}
	}
}

// accept is the runner taking the build's stage (manager.Accept, then
// BeforeAll): the build and stage become running and the steps appear,
// pending. A build cancelled while pending is not taken.
func (s *Server) accept(b *build, slot int) bool {
	now := time.Now().Unix()
	s.mu.Lock()
	defer s.mu.Unlock()
	if b.Status != statusPending {
		return false
	}
	b.Status, b.Started, b.Updated = statusRunning, now, now
	st := b.stage
	st.Status, st.Started, st.Updated, st.Machine = statusRunning, now, now, "runner-"+strconv.Itoa(slot)
	for i, step := range s.cfg.Pipeline.Steps {
		st.Steps = append(st.Steps, &StepState{ID: b.ID*100 + int64(i+1), StageID: st.ID, Number: i + 1,
			Name: step.Name, Status: statusPending, Version: 1})
	}
	s.running++
	s.maxRunning = max(s.maxRunning, s.running)
	return true
}

// run runs the build's steps in a fresh root, one after the other.
func (s *Server) run(b *build) {
	ctx, cancel := context.WithCancel(context.Background())
	s.mu.Lock()
	b.cancel = cancel
	s.mu.Unlock()
	defer cancel()
	if s.closing() { // Close may have cancelled the others before this one
		cancel()
	}
	root, err := s.setup()
	if err == nil {
		defer os.RemoveAll(root)
	}
	failed := err != nil
	for i, step := range s.cfg.Pipeline.Steps {
		num := i + 1
		if !s.startStep(b, num, failed || ctx.Err() != nil) {
			continue
		}
		exit, lines, err := s.runStep(ctx, root, step, s.environ(b, root, step.Name, num))
		failed = s.endStep(b, num, exit, lines, err) || failed
	}
	s.finish(b, failed, err)
}

// setup makes the build's root: home/drone, drone/src and opt, each 0700.
func (s *Server) setup() (string, error) {
	root, err := os.MkdirTemp(s.cfg.Root, "drone-")
	if err != nil {
		return "", err
	}
	for _, d := range []string{"home/drone", "drone/src", "opt"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o700); err != nil {
			return root, err
		}
	}
	return root, nil
}

// startStep marks step num running and says whether to run it; after a
// failure it is skipped (the default run policy, on success), after a
// cancel it is left as the cancel marked it.
func (s *Server) startStep(b *build, num int, skip bool) bool {
	now := time.Now().Unix()
	s.mu.Lock()
	defer s.mu.Unlock()
	step := b.stage.Steps[num-1]
	switch {
	case b.Status == statusKilled:
		return false
	case skip:
		step.Status, step.Started, step.Stopped = statusSkipped, now, now
		return false
	}
	step.Status, step.Started = statusRunning, now
	return true
}

// endStep records how step num ended and keeps its log; it reports
// whether the step failed. A step of a cancelled build keeps what the
// cancel marked.
func (s *Server) endStep(b *build, num, exit int, lines []Line, err error) bool {
	now := time.Now().Unix()
	s.mu.Lock()
	defer s.mu.Unlock()
	b.logs[num] = lines
	if b.Status == statusKilled {
		return true
	}
	step := b.stage.Steps[num-1]
	step.ExitCode, step.Stopped = exit, now
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		step.Status = statusPassing
	case errors.As(err, &exitErr):
		step.Status = statusFailing
	default:
		step.Status, step.Error = "error", err.Error()
	}
	return step.Status != statusPassing
}

// finish sets the stage's and the build's end, unless a cancel did.
func (s *Server) finish(b *build, failed bool, setupErr error) {
	now := time.Now().Unix()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running--
	b.cancel = nil
	if b.Status == statusKilled {
		return
	}
	status := statusPassing
	switch {
	case setupErr != nil:
		status, b.Error, b.stage.Error = "error", setupErr.Error(), setupErr.Error()
	case failed:
		status = statusFailing
		for _, step := range b.stage.Steps {
			if step.Status == statusFailing && b.stage.ExitCode == 0 {
				b.stage.ExitCode = step.ExitCode
			}
		}
	}
	b.Status, b.Finished, b.Updated = status, now, now
	b.stage.Status, b.stage.Stopped, b.stage.Updated = status, now, now
}

// runStep runs one step as the exec runner's engine.Run does: /bin/sh -e
// on the step's script, in the workspace, output to the log. When ctx
// ends it kills the shell (only the shell) and returns at once.
func (s *Server) runStep(ctx context.Context, root string, step Step, environ []string) (int, []Line, error) {
	lw := &lineWriter{start: time.Now()}
	script := filepath.Join(root, "opt", slug(step.Name))
	if err := os.WriteFile(script, []byte(shellScript(step.Commands)), 0o700); err != nil {
		return 255, nil, err
	}
	cmd := exec.Command("/bin/sh", "-e", script)
	cmd.Env, cmd.Dir = environ, filepath.Join(root, "drone", "src")
	cmd.Stdout, cmd.Stderr = lw, lw
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // for Close only
	if err := cmd.Start(); err != nil {
		return 255, lw.lines(), err
	}
	pgid := cmd.Process.Pid
	s.track(pgid, true)
	done := make(chan error, 1)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		done <- cmd.Wait()
		s.track(pgid, false)
	}()
	select {
	case err := <-done:
		var exitErr *exec.ExitError
		switch {
		case err == nil:
			return 0, lw.lines(), nil
		case errors.As(err, &exitErr):
			return exitErr.ExitCode(), lw.lines(), err
		}
		return 255, lw.lines(), err
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		if s.closing() {
			killGroup(pgid)
		}
		return 130, lw.lines(), ctx.Err()
	}
}

// track remembers the process groups of steps, for Close.
func (s *Server) track(pgid int, alive bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if alive {
		s.procs[pgid] = true
	} else {
		delete(s.procs, pgid)
	}
}

// closing reports whether Close has begun.
func (s *Server) closing() bool {
	select {
	case <-s.quit:
		return true
	default:
		return false
	}
}

func killGroup(pgid int) { _ = syscall.Kill(-pgid, syscall.SIGKILL) }

// environ is the step's environment, as the exec runner's compiler
// combines it (environ.Combine: later maps win).
func (s *Server) environ(b *build, root, stepName string, stepNum int) []string {
	host := map[string]string{}
	for _, kv := range s.cfg.HostEnv {
		if k, v, ok := strings.Cut(kv, "="); ok {
			host[k] = v
		}
	}
	m := map[string]string{}
	for _, k := range []string{"PATH", "USER"} { // hostVars
		if host[k] != "" {
			m[k] = host[k]
		}
	}
	s.mu.Lock()
	bb := b.snapshot(true)
	s.mu.Unlock()
	for _, src := range []map[string]string{s.cfg.Environ, bb.Params, proxy(host), s.droneVars(bb)} {
		for k, v := range src {
			m[k] = v
		}
	}
	home, src := filepath.Join(root, "home", "drone"), filepath.Join(root, "drone", "src")
	for k, v := range map[string]string{"HOME": home, "HOMEPATH": home, "USERPROFILE": home,
		"DRONE_HOME": src, "DRONE_WORKSPACE": src, "GIT_TERMINAL_PROMPT": "0",
		"DRONE_STEP_NAME": stepName, "DRONE_STEP_NUMBER": strconv.Itoa(stepNum)} {
		m[k] = v
	}
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}

// proxy is environ.Proxy: the host's proxy variables, in both cases.
func proxy(host map[string]string) map[string]string {
	m := map[string]string{}
	for _, name := range []string{"no_proxy", "http_proxy", "https_proxy"} {
		v := host[name]
		if v == "" {
			v = host[strings.ToUpper(name)]
		}
		if v != "" {
			m[name], m[strings.ToUpper(name)] = v, v
		}
	}
	return m
}

// droneVars is a part of environ.System, Repo, Build, Stage and Link.
func (s *Server) droneVars(b Build) map[string]string {
	owner, name, _ := strings.Cut(s.cfg.Repo, "/")
	u, _ := url.Parse(s.URL)
	st := b.Stages[0]
	return map[string]string{
		"CI": "true", "DRONE": "true",
		"DRONE_SYSTEM_PROTO": u.Scheme, "DRONE_SYSTEM_HOST": u.Host, "DRONE_SYSTEM_HOSTNAME": u.Host,
		"DRONE_REPO": s.cfg.Repo, "DRONE_REPO_OWNER": owner, "DRONE_REPO_NAMESPACE": owner, "DRONE_REPO_NAME": name,
		"DRONE_REPO_BRANCH": s.cfg.Branch, "DRONE_REPO_PRIVATE": "true", "DRONE_REPO_VISIBILITY": "private",
		"DRONE_BRANCH": b.Target, "DRONE_SOURCE_BRANCH": b.Source, "DRONE_TARGET_BRANCH": b.Target,
		"DRONE_COMMIT": b.After, "DRONE_COMMIT_SHA": b.After, "DRONE_COMMIT_BEFORE": b.Before,
		"DRONE_COMMIT_AFTER": b.After, "DRONE_COMMIT_REF": b.Ref, "DRONE_COMMIT_BRANCH": b.Target,
		"DRONE_COMMIT_LINK": b.Link, "DRONE_BUILD_NUMBER": strconv.FormatInt(b.Number, 10),
		"DRONE_BUILD_EVENT": b.Event, "DRONE_BUILD_STATUS": statusPassing, "DRONE_BUILD_TRIGGER": b.Trigger,
		"DRONE_BUILD_CREATED": strconv.FormatInt(b.Created, 10), "DRONE_BUILD_STARTED": strconv.FormatInt(b.Started, 10),
		"DRONE_STAGE_KIND": st.Kind, "DRONE_STAGE_TYPE": st.Type, "DRONE_STAGE_NAME": st.Name,
		"DRONE_STAGE_NUMBER": strconv.Itoa(st.Number), "DRONE_STAGE_MACHINE": st.Machine,
		"DRONE_BUILD_LINK": fmt.Sprintf("%s/%s/%d", s.URL, s.cfg.Repo, b.Number),
		"DRONE_REPO_LINK":  "https://git.example.org/" + s.cfg.Repo,
	}
}

// shellScript is runner-go's shell/bash.Script: set -e, then each command
// traced ("echo + CMD", CMD quoted with $ escaped) and run.
func shellScript(commands []string) string {
	var b strings.Builder
	b.WriteString("\nset -e\n")
	for _, c := range commands {
		escaped := strings.ReplaceAll(strconv.Quote(c), "$", `\$`)
		fmt.Fprintf(&b, "\necho + %s\n%s\n", escaped, c)
	}
	return b.String()
}

// slug is the script's file name: the step name in lower case, runs of
// other characters than letters and digits turned into "-".
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	if b.Len() == 0 {
		return "step"
	}
	return b.String()
}

// lineWriter cuts output into log lines as runner-go's livelog.Writer
// does: each write is one line, or several when it holds several
// newlines; positions count from 0, times are seconds since the start.
type lineWriter struct {
	start time.Time
	mu    sync.Mutex
	out   []Line
}

func (w *lineWriter) Write(p []byte) (int, error) {
	s := string(p)
	parts := []string{s}
	if strings.Contains(strings.TrimSuffix(s, "\n"), "\n") {
		parts = strings.SplitAfter(s, "\n")
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, part := range parts {
		w.out = append(w.out, Line{Number: len(w.out), Message: part, Timestamp: int64(time.Since(w.start).Seconds())})
	}
	return len(p), nil
}

func (w *lineWriter) lines() []Line {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.out)
}
