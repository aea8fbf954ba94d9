package dronefake

import "maps"

// Statuses, as drone/drone core/status.go spells them.
const (
	statusSkipped = "skipped"
	statusBlocked = "blocked"
	statusWaiting = "waiting_on_dependencies"
	statusPending = "pending"
	statusRunning = "running"
	statusPassing = "success"
	statusFailing = "failure"
	statusKilled  = "killed"
)

// done is core.Stage.IsDone / core.Step.IsDone.
func done(status string) bool {
	switch status {
	case statusWaiting, statusPending, statusRunning, statusBlocked:
		return false
	}
	return true
}

// Build is a build as Drone encodes it (core.Build and its JSON names).
type Build struct {
	ID           int64             `json:"id"`
	RepoID       int64             `json:"repo_id"`
	Trigger      string            `json:"trigger"`
	Number       int64             `json:"number"`
	Parent       int64             `json:"parent,omitempty"`
	Status       string            `json:"status"`
	Error        string            `json:"error,omitempty"`
	Event        string            `json:"event"`
	Action       string            `json:"action"`
	Link         string            `json:"link"`
	Timestamp    int64             `json:"timestamp"`
	Title        string            `json:"title,omitempty"`
	Message      string            `json:"message"`
	Before       string            `json:"before"`
	After        string            `json:"after"`
	Ref          string            `json:"ref"`
	Fork         string            `json:"source_repo"`
	Source       string            `json:"source"`
	Target       string            `json:"target"`
	Author       string            `json:"author_login"`
	AuthorName   string            `json:"author_name"`
	AuthorEmail  string            `json:"author_email"`
	AuthorAvatar string            `json:"author_avatar"`
	Sender       string            `json:"sender"`
	Params       map[string]string `json:"params,omitempty"`
	Cron         string            `json:"cron,omitempty"`
	Deploy       string            `json:"deploy_to,omitempty"`
	DeployID     int64             `json:"deploy_id,omitempty"`
	Debug        bool              `json:"debug,omitempty"`
	Started      int64             `json:"started"`
	Finished     int64             `json:"finished"`
	Created      int64             `json:"created"`
	Updated      int64             `json:"updated"`
	Version      int64             `json:"version"`
	Stages       []*Stage          `json:"stages,omitempty"`
}

// Stage is core.Stage.
type Stage struct {
	ID        int64             `json:"id"`
	RepoID    int64             `json:"repo_id"`
	BuildID   int64             `json:"build_id"`
	Number    int               `json:"number"`
	Name      string            `json:"name"`
	Kind      string            `json:"kind,omitempty"`
	Type      string            `json:"type,omitempty"`
	Status    string            `json:"status"`
	Error     string            `json:"error,omitempty"`
	ErrIgnore bool              `json:"errignore"`
	ExitCode  int               `json:"exit_code"`
	Machine   string            `json:"machine,omitempty"`
	OS        string            `json:"os"`
	Arch      string            `json:"arch"`
	Started   int64             `json:"started"`
	Stopped   int64             `json:"stopped"`
	Created   int64             `json:"created"`
	Updated   int64             `json:"updated"`
	Version   int64             `json:"version"`
	OnSuccess bool              `json:"on_success"`
	OnFailure bool              `json:"on_failure"`
	Labels    map[string]string `json:"labels,omitempty"`
	Steps     []*StepState      `json:"steps,omitempty"`
}

// StepState is core.Step.
type StepState struct {
	ID       int64  `json:"id"`
	StageID  int64  `json:"step_id"`
	Number   int    `json:"number"`
	Name     string `json:"name"`
	Status   string `json:"status"`
	Error    string `json:"error,omitempty"`
	ExitCode int    `json:"exit_code"`
	Started  int64  `json:"started,omitempty"`
	Stopped  int64  `json:"stopped,omitempty"`
	Version  int64  `json:"version"`
}

// Line is core.Line.
type Line struct {
	Number    int    `json:"pos"`
	Message   string `json:"out"`
	Timestamp int64  `json:"time"`
}

// build is the server's record of a build.
type build struct {
	Build
	stage  *Stage
	logs   map[int][]Line // by step number, once the step has ended
	cancel func()         // stops the running step; nil when not running
}

// snapshot copies the build; with stages, its stage and steps too.
func (b *build) snapshot(stages bool) Build {
	c := b.Build
	c.Params = maps.Clone(b.Params)
	c.Stages = nil
	if stages && b.stage != nil {
		st := *b.stage
		st.Steps = make([]*StepState, len(b.stage.Steps))
		for i, step := range b.stage.Steps {
			cp := *step
			st.Steps[i] = &cp
		}
		if len(st.Steps) == 0 {
			st.Steps = nil
		}
		c.Stages = []*Stage{&st}
	}
	return c
}
