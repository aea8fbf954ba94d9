package env

import (
	"context"
	"os"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
)

// RequireError lists the tools that do not meet Spec.Require, each with
// why: its message is one line per tool, ready to print as is.
type RequireError struct {
	Failed []ToolStatus
}

func (e *RequireError) Error() string {
	lines := make([]string, len(e.Failed))
	for i, st := range e.Failed {
		lines[i] = st.Err.Error()
	}
	return strings.Join(lines, "\n")
}

// CheckRequire checks Spec.Require where a job or a sweep starts: it
// probes the required tools only (as Probe does, in parallel), and
// returns a *RequireError naming each one that is missing, does not run,
// or whose version does not meet its constraint.
//
// A probe starts a process (a millisecond or more, a Go binary such as
// git-lfs several), so the version found is kept in the cache in
// Spec.RuntimeDir, keyed by the tool's resolved path and version flag and
// valid while the file's device, inode, size, mtime and ctime stay as
// they were: with a warm cache CheckRequire starts no process and leaves
// ctx alone. A requirement met is kept too (kind "meets": the constraint
// after the flag), so that a warm check parses no version. Without a
// RuntimeDir every call probes.
func (e *Env) CheckRequire(ctx context.Context) error {
	if len(e.Spec.Require) == 0 {
		return nil
	}
	c := e.loadCache()
	tools := sortedKeys(e.Spec.Require)
	results := make([]ToolStatus, len(tools))
	var todo []int
	for i, tool := range tools {
		st := ToolStatus{Tool: tool, Path: e.Tools[tool], Constraint: e.Spec.Require[tool]}
		flag, stamp := e.Spec.VersionFlag(tool), e.stamp(tool)
		if v, ok := c.get("version", st.Path, flag, stamp); ok && st.Path != "" {
			st.Version = v
			if met, _ := c.get("meets", st.Path, flag+"\n"+st.Constraint, stamp); met == "yes" {
				st.OK = true // as last time: no parsing (go-version's regexps cost a job's start-up)
			} else {
				parsed, err := parseLoose(tool, v)
				st.Err = check(tool, parsed, err, st.Constraint)
				st.OK = st.Err == nil
				if st.OK {
					c.put("meets", st.Path, flag+"\n"+st.Constraint, stamp, "yes")
				}
			}
			results[i] = st
			continue
		}
		todo = append(todo, i)
	}
	if len(todo) > 0 {
		e.probeRequired(ctx, tools, todo, results, c)
	}
	c.save() // what was learnt, if anything
	var failed []ToolStatus
	for _, st := range results {
		if !st.OK {
			failed = append(failed, st)
		}
	}
	if failed != nil {
		return &RequireError{Failed: failed}
	}
	return nil
}

// probeRequired probes tools[i] for each i in todo into results[i], and
// records each version found.
func (e *Env) probeRequired(ctx context.Context, tools []string, todo []int, results []ToolStatus, c *cache) {
	start := time.Now()
	environ := e.Environ(os.Environ())
	var g errgroup.Group
	g.SetLimit(ProbeJobs)
	for _, i := range todo {
		g.Go(func() error {
			results[i] = e.probe(ctx, tools[i], environ)
			return nil
		})
	}
	_ = g.Wait()
	for _, i := range todo {
		st, stamp, flag := results[i], e.stamp(tools[i]), e.Spec.VersionFlag(tools[i])
		if st.Version != "" && st.Path != "" && stamp.settled(start) {
			c.put("version", st.Path, flag, stamp, st.Version)
			if st.OK {
				c.put("meets", st.Path, flag+"\n"+st.Constraint, stamp, "yes")
			}
		}
	}
}
