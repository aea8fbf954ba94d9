package env

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"coopcloud.tech/cc-ci/internal/proctest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// writeScript writes an executable shell script dir/name with body.
func writeScript(t *testing.T, dir, name, body string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	chmod(t, p, 0o755)
}

func TestProbe(t *testing.T) {
	dir := mkdirs(t, "bin")[0]
	writeScript(t, dir, "git-lfs", `echo "git-lfs/3.3.0 (GitHub; linux amd64; go 1.19.8)"`)
	writeScript(t, dir, "old", `echo "old version 1.9.2"`)
	writeScript(t, dir, "ps", `[ "$1" = -V ] && echo "ps from procps-ng 4.0.2" || { echo "bad flag $1" >&2; exit 1; }`)
	writeScript(t, dir, "twoargs", `echo "twoargs $1 $2 0.1.$#"`)
	writeScript(t, dir, "fromenv", `echo "fromenv ${DECLARED}${SECRET_TOKEN}"`)
	writeScript(t, dir, "broken", `echo "broken: unknown option" >&2; exit 2`)
	writeScript(t, dir, "silent", `exit 0`)
	writeScript(t, dir, "noflag", `exit 9`)
	spec := Spec{
		Path:         []string{dir},
		Tools:        []string{"git-lfs", "old", "ps", "twoargs", "fromenv", "broken", "silent", "noflag"},
		Vars:         map[string]string{"DECLARED": "7.7.7"},
		Require:      map[string]string{"git-lfs": ">= 3.0", "old": ">= 2.0", "fromenv": "~> 7.7"},
		VersionFlags: map[string]string{"ps": "-V", "twoargs": "version --short", "noflag": NoProbe},
	}
	t.Setenv("SECRET_TOKEN", "1.2.3")
	e, err := Resolve(spec)
	if err != nil {
		t.Fatal(err)
	}
	got := e.Probe(context.Background())
	p := func(tool string) string { return filepath.Join(dir, tool) }
	want := []ToolStatus{
		{Tool: "git-lfs", Path: p("git-lfs"), Version: "3.3.0", Constraint: ">= 3.0", OK: true},
		{Tool: "old", Path: p("old"), Version: "1.9.2", Constraint: ">= 2.0"},
		{Tool: "ps", Path: p("ps"), Version: "4.0.2", OK: true},
		{Tool: "twoargs", Path: p("twoargs"), Version: "0.1.2", OK: true},
		{Tool: "fromenv", Path: p("fromenv"), Version: "7.7.7", Constraint: "~> 7.7", OK: true},
		{Tool: "broken", Path: p("broken")},
		{Tool: "silent", Path: p("silent"), OK: true},
		{Tool: "noflag", Path: p("noflag"), OK: true},
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(ToolStatus{}, "Err")); diff != "" {
		t.Errorf("Probe (-want +got):\n%s", diff)
	}
	wantErr := map[string]string{
		"old":    `old: version 1.9.2 does not satisfy ">= 2.0"`,
		"broken": "running broken --version: exit status 2: broken: unknown option",
	}
	for _, st := range got {
		if msg := errString(st.Err); msg != wantErr[st.Tool] {
			t.Errorf("Probe: %s: Err = %q, want %q", st.Tool, msg, wantErr[st.Tool])
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestProbeTimeoutKillsGroup(t *testing.T) {
	dir := mkdirs(t, "bin")[0]
	pidfile := filepath.Join(t.TempDir(), "child.pid")
	// The version command leaves a grandchild behind and hangs.
	writeScript(t, dir, "hang", "/bin/sleep 60 & echo $! > "+pidfile+"; wait")
	e, err := Resolve(Spec{Path: []string{dir}, Tools: []string{"hang"}})
	if err != nil {
		t.Fatal(err)
	}
	e.ProbeTimeout = 2 * time.Second
	st := e.Probe(context.Background())[0]
	if st.OK || !errors.Is(st.Err, context.DeadlineExceeded) {
		t.Fatalf("Probe of a hanging tool = %+v, want a deadline error", st)
	}
	if !strings.HasPrefix(st.Err.Error(), "running hang --version: ") {
		t.Errorf("Err = %q, want it to name the command", st.Err)
	}
	raw, err := os.ReadFile(pidfile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(raw)))
	// The grandchild was killed with the group: it is gone or a zombie
	// awaiting its (dead) parent's reaper.
	if !proctest.Eventually(proctest.Wait, func() bool { return !proctest.Alive(pid) }) {
		syscall.Kill(pid, syscall.SIGKILL)
		t.Errorf("grandchild %d still running after the probe's timeout", pid)
	}
}

// TestProbeBound checks that at most ProbeJobs probes run at a time: each
// probe counts the probes running beside it and reports the count as its
// version's minor number.
func TestProbeBound(t *testing.T) {
	bin := mkdirs(t, "bin")[0]
	running := t.TempDir()
	var tools []string
	for i := range 3 * ProbeJobs {
		tool := fmt.Sprintf("t%02d", i)
		tools = append(tools, tool)
		writeScript(t, bin, tool, fmt.Sprintf(
			"mkdir %[1]s/$$; n=$(ls %[1]s | wc -l); sleep 0.05; rmdir %[1]s/$$; echo \"%[2]s 1.$n.0\"",
			running, tool))
	}
	path := []string{bin}
	for _, d := range []string{"/usr/bin", "/bin"} {
		if _, err := os.Stat(d); err == nil {
			path = append(path, d)
		}
	}
	e, err := Resolve(Spec{Path: path, Tools: tools})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range e.Probe(context.Background()) {
		n, err := strconv.Atoi(strings.Split(st.Version, ".")[1:2][0])
		if !st.OK || err != nil || n < 1 || n > ProbeJobs {
			t.Errorf("%s: %+v: saw %d probes at once, want 1..%d", st.Tool, st, n, ProbeJobs)
		}
	}
}

func TestProbeUnresolved(t *testing.T) {
	e := &Env{Spec: Spec{Path: []string{"/nonexistent"}, Tools: []string{"gone"}}}
	st := e.Probe(context.Background())[0]
	var me *MissingError
	if st.OK || !errors.As(st.Err, &me) {
		t.Errorf("Probe of an unresolved tool = %+v, want a *MissingError", st)
	}
}

// TestProbeRealTools probes tools installed on this machine, with their
// real version flags.
func TestProbeRealTools(t *testing.T) {
	flags := map[string]string{"bash": "--version", "git": "--version", "tar": "--version", "ps": "-V"}
	var tools []string
	for tool := range flags {
		if p, err := exec.LookPath(tool); err == nil && filepath.Dir(p) == "/usr/bin" {
			tools = append(tools, tool)
		}
	}
	if len(tools) == 0 {
		t.Skip("none of bash, git, tar, ps in /usr/bin")
	}
	spec := Spec{Path: []string{"/usr/bin"}, Tools: tools, VersionFlags: map[string]string{}, Require: map[string]string{}}
	for _, tool := range tools {
		spec.VersionFlags[tool] = flags[tool]
		spec.Require[tool] = ">= 1.0"
	}
	e, err := Resolve(spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range e.Probe(context.Background()) {
		if !st.OK || st.Version == "" {
			t.Errorf("Probe: %+v, want OK with a version", st)
		}
	}
}

func TestToolStatusJSON(t *testing.T) {
	tests := []struct {
		st   ToolStatus
		want string
	}{
		{ToolStatus{Tool: "git", Path: "/usr/bin/git", Version: "2.39.5", OK: true},
			`{"tool":"git","path":"/usr/bin/git","version":"2.39.5","constraint":"","ok":true}`},
		{ToolStatus{Tool: "git-lfs", Path: "/b/git-lfs", Version: "2.9.0", Constraint: ">= 3.0", Err: errors.New(`git-lfs: version 2.9.0 does not satisfy ">= 3.0"`)},
			`{"tool":"git-lfs","path":"/b/git-lfs","version":"2.9.0","constraint":">= 3.0","ok":false,"error":"git-lfs: version 2.9.0 does not satisfy \">= 3.0\""}`},
	}
	for _, tt := range tests {
		var buf strings.Builder
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		err := enc.Encode(tt.st)
		if got := strings.TrimSpace(buf.String()); err != nil || got != tt.want {
			t.Errorf("Encode(%+v) = %s, %v, want %s", tt.st, got, err, tt.want)
		}
	}
}
