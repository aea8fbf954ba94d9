package env

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"coopcloud.tech/cc-ci/internal/proc"
	version "github.com/hashicorp/go-version"
	"golang.org/x/sync/errgroup"
)

// DefaultProbeTimeout bounds each tool's version probe when
// Env.ProbeTimeout is zero.
const DefaultProbeTimeout = 10 * time.Second

// ProbeJobs is how many version probes run at a time.
const ProbeJobs = 8

// NoProbe, as a tool's VersionFlags entry, means the tool is not run by
// Probe (for a tool that has no version flag); it then cannot carry a
// Require constraint.
const NoProbe = "-"

// KnownVersionFlags is how common tools print their version when
// Spec.VersionFlags names no flag for them; any other tool is asked
// "--version". OpenSSL 3 (Debian 12) fails on --version, OpenSSH and tmux
// take -V, Go a subcommand; dash (Debian's sh) has no version flag at
// all, so it is not probed (and a Require on it needs an explicit flag).
var KnownVersionFlags = map[string]string{
	"openssl": "version",
	"ssh":     "-V",
	"go":      "version",
	"java":    "-version",
	"tmux":    "-V",
	"sh":      NoProbe,
	"dash":    NoProbe,
}

// VersionFlag is what Probe runs for tool: its Spec.VersionFlags entry,
// else its KnownVersionFlags entry, else "--version".
func (s Spec) VersionFlag(tool string) string {
	if flag, ok := s.VersionFlags[tool]; ok {
		return flag
	}
	if flag, ok := KnownVersionFlags[tool]; ok {
		return flag
	}
	return "--version"
}

// probeOutputMax caps how much of a probe's output is kept.
const probeOutputMax = 64 << 10

// ToolStatus is one probed tool. In JSON it is an object with the keys
// tool, path, version, constraint, ok and error (Err's message, left out
// when nil).
type ToolStatus struct {
	Tool       string `json:"tool"`
	Path       string `json:"path"`
	Version    string `json:"version"`    // "" when not found in the output
	Constraint string `json:"constraint"` // from Require, "" when none
	OK         bool   `json:"ok"`         // ran and exited 0, and the version meets Constraint (if any)
	Err        error  `json:"-"`          // why not OK
}

// MarshalJSON writes Err as its message.
func (s ToolStatus) MarshalJSON() ([]byte, error) {
	type plain ToolStatus // without the method
	var msg string
	if s.Err != nil {
		msg = s.Err.Error()
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // the caller's encoder decides ("\u003e=" or ">=")
	err := enc.Encode(struct {
		plain
		Error string `json:"error,omitempty"`
	}{plain(s), msg})
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), err
}

// Probe runs each tool's version flag (Spec.VersionFlag; a flag holding
// spaces is several arguments) in parallel, at
// most ProbeJobs at a time, in the job environment e.Environ(os.Environ()),
// each in its own process group, killed with the group after
// e.ProbeTimeout. The version is found in the output by ParseVersion and
// checked against Spec.Require. Results come back in Spec.Tools order; a
// tool failing never stops the others. Probe is for -check only: it runs
// processes, which the hot path never does.
func (e *Env) Probe(ctx context.Context) []ToolStatus {
	results := make([]ToolStatus, len(e.Spec.Tools))
	environ := e.Environ(os.Environ())
	var g errgroup.Group
	g.SetLimit(ProbeJobs)
	for i, tool := range e.Spec.Tools {
		g.Go(func() error {
			results[i] = e.probe(ctx, tool, environ)
			return nil
		})
	}
	_ = g.Wait()
	return results
}

// probe runs and judges one tool.
func (e *Env) probe(ctx context.Context, tool string, environ []string) ToolStatus {
	st := ToolStatus{Tool: tool, Path: e.Tools[tool], Constraint: e.Spec.Require[tool]}
	if st.Path == "" {
		st.Err = &MissingError{Tools: []string{tool}, Dirs: e.Spec.Path}
		return st
	}
	flag := e.Spec.VersionFlag(tool)
	if flag == NoProbe {
		st.OK = st.Constraint == ""
		if !st.OK {
			st.Err = fmt.Errorf("%s: not probed (version flag %q), cannot check %q", tool, NoProbe, st.Constraint)
		}
		return st
	}
	out, err := e.runProbe(ctx, tool, strings.Fields(flag), environ)
	if err != nil {
		st.Err = err
		return st
	}
	v, err := ParseVersion(tool, out)
	if err == nil {
		st.Version = v.Original()
	}
	st.Err = check(tool, v, err, st.Constraint)
	st.OK = st.Err == nil
	return st
}

// runProbe runs the tool with args and returns its combined output.
func (e *Env) runProbe(ctx context.Context, tool string, args, environ []string) (string, error) {
	timeout := e.ProbeTimeout
	if timeout <= 0 {
		timeout = DefaultProbeTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	path := e.Found[tool]
	switch {
	case e.View != "":
		path = filepath.Join(e.View, tool) // as the job finds it
	case path == "":
		path = e.Tools[tool]
	}
	var out limitedBuffer
	cmd := proc.Command(ctx, path, append([]string{tool}, args...), environ, proc.Options{}) // SIGKILL at once
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	_ = proc.KillGroup(cmd) // whatever it left behind in its group
	cmdline := strings.Join(append([]string{tool}, args...), " ")
	switch {
	case ctx.Err() != nil:
		return "", fmt.Errorf("running %s: %w after %v", cmdline, ctx.Err(), timeout)
	case err != nil:
		return "", fmt.Errorf("running %s: %w: %s", cmdline, err, firstLine(out.String()))
	}
	return out.String(), nil
}

// check judges a parsed version against a constraint ("" for none).
func check(tool string, v *version.Version, parseErr error, constraint string) error {
	if constraint == "" {
		return nil
	}
	if parseErr != nil {
		return parseErr
	}
	c, err := version.NewConstraint(constraint)
	if err != nil {
		return fmt.Errorf("%s: version constraint %q: %w", tool, constraint, err)
	}
	if !c.Check(v) {
		return fmt.Errorf("%s: version %s does not satisfy %q", tool, v.Original(), constraint)
	}
	return nil
}

// limitedBuffer keeps the first probeOutputMax bytes written to it.
type limitedBuffer struct{ bytes.Buffer }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := probeOutputMax - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// firstLine is s's first non-empty line, for an error message.
func firstLine(s string) string {
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line != "" {
			return line
		}
	}
	return "(no output)"
}
