package sweep

import (
	"bytes"
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

	"github.com/google/go-cmp/cmp"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/recipe"
)

const (
	commitA = "4444444444444444444444444444444444444444"
	commitB = "5555555555555555555555555555555555555555"
)

// TestReadStateMissing: a missing state file is an error (exit 2) that
// says how to start; a sweep never creates one.
// emptyState makes a state file with no records at path (and its
// directory), as cc-ci-sweep init does, and returns path.
func emptyState(t *testing.T, path string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(`{"schema": 1, "recipes": {}}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadStateMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "canonical.json")
	st, err := readState(path)
	var se *StateError
	if !errors.As(err, &se) || se.Path != path || !strings.Contains(err.Error(), "cc-ci-sweep init") || st != nil {
		t.Fatalf("readState(missing) = %v, %v; want a *StateError naming the file and init", st, err)
	}
	if code := ccci.ExitCode(err); code != ccci.ExitUsage {
		t.Errorf("ExitCode(readState(missing)) = %d, want %d", code, ccci.ExitUsage)
	}
	err = updateState(t.Context(), path, func(*state) error { return nil })
	if !errors.As(err, &se) {
		t.Errorf("updateState(missing) = %v, want a *StateError", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("updateState created %s (%v)", path, err)
	}
}

// TestStateKeepsUnknownFields: fields a newer cc-ci wrote, in the file, a
// record or a last result, survive a rewrite by this one.
func TestStateKeepsUnknownFields(t *testing.T) {
	path := filepath.Join(t.TempDir(), "canonical.json")
	in := `{"schema": 1, "sweeps": [1, 2], "recipes": {"gitea": {"version": "1.0.0+1", "status": "pass", "flaky": 3,
  "last": {"version": "1.0.0+1", "verdict": "pass", "ts": "2026-11-20T02:00:00Z", "log": "/x", "duration": "1s", "tries": [{"n": 1}]}}}}`
	if err := os.WriteFile(path, []byte(in), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := recordLast(t.Context(), path, "zulip", Last{Version: "2.0.0+1", Verdict: Fail}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"sweeps": [`, `"flaky": 3`, `"tries": [`, `"n": 1`, `"zulip": {`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("rewritten state lacks %s:\n%s", want, b)
		}
	}
}

func TestReadStateGood(t *testing.T) {
	st, err := readState("testdata/state/good.json")
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)
	want := &state{Schema: 1, Recipes: map[string]*Record{"gitea": {
		Version: "3.6.0+1.24.2", Commit: commitA, Status: StatusPass, TS: ts,
		Last: &Last{Version: "3.6.0+1.24.2", Verdict: Pass, TS: ts,
			Log:      "/var/lib/cc-ci/runs/gitea/20261101T015612Z-3.6.0+1.24.2/log",
			Duration: Duration(4*time.Minute + 12*time.Second)},
	}}}
	if diff := cmp.Diff(want, st, cmp.AllowUnexported(state{}, extras{})); diff != "" {
		t.Errorf("readState(good.json) mismatch (-want +got):\n%s", diff)
	}
	if r := (*state)(nil).record("gitea"); r != nil {
		t.Errorf("nil state record(gitea) = %+v, want nil", r)
	}
}

func TestReadStateBad(t *testing.T) {
	tests := []struct {
		file string
		want string // in the message
	}{
		{"empty.json", "empty file"},
		{"truncated.json", "truncated JSON"},
		{"trailing.json", "trailing data"},
		{"newer-schema.json", "schema 2 is newer than 1"},
		{"no-schema.json", `no "schema" field`},
		{"wrong-type.json", "line 3:"},
		{"zeros.json", "line 1:"},
	}
	for _, tt := range tests {
		path := filepath.Join("testdata/state", tt.file)
		_, err := readState(path)
		var se *StateError
		if !errors.As(err, &se) || se.Path != path {
			t.Errorf("readState(%q) = %v, want a *StateError naming the file", path, err)
			continue
		}
		if msg := err.Error(); !strings.HasPrefix(msg, "state "+path+": ") || !strings.Contains(msg, tt.want) {
			t.Errorf("readState(%q) error %q, want it to name the file and say %q", path, msg, tt.want)
		}
		if !errors.Is(err, ccci.ErrConfig) {
			t.Errorf("errors.Is(readState(%q), ccci.ErrConfig) = false, want true", path)
		}
		if got := ccci.ExitCode(err); got != ccci.ExitUsage {
			t.Errorf("ExitCode(readState(%q)) = %d, want %d", path, got, ccci.ExitUsage)
		}
	}
}

// TestUpdateStateCorrupt: a state file that does not parse is never
// passed to fn and never overwritten.
func TestUpdateStateCorrupt(t *testing.T) {
	for _, file := range []string{"truncated.json", "newer-schema.json", "empty.json"} {
		orig, err := os.ReadFile(filepath.Join("testdata/state", file))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "canonical.json")
		if err := os.WriteFile(path, orig, 0o644); err != nil {
			t.Fatal(err)
		}
		called := false
		err = updateState(t.Context(), path, func(*state) error { called = true; return nil })
		var se *StateError
		if !errors.As(err, &se) || called {
			t.Errorf("updateState(%s) = %v, fn called %v; want a *StateError, fn not called", file, err, called)
		}
		_, err = writeCanonical(t.Context(), path, "gitea", mustVersion(t, "3.6.0+1.24.2"), commitA, StatusPass, time.Now(), nil)
		if !errors.As(err, &se) {
			t.Errorf("writeCanonical on %s = %v, want a *StateError", file, err)
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, orig) {
			t.Errorf("updateState(%s) changed the file to %q", file, got)
		}
	}
}

func TestUpdateStateFnError(t *testing.T) {
	path := emptyState(t, filepath.Join(t.TempDir(), "canonical.json"))
	errNo := errors.New("no")
	err := updateState(t.Context(), path, func(st *state) error {
		st.edit("gitea").Version = "3.6.0+1.24.2"
		return errNo
	})
	if !errors.Is(err, errNo) {
		t.Errorf("UpdateState = %v, want %v", err, errNo)
	}
	if st, err := readState(path); err != nil || len(st.Recipes) != 0 {
		t.Errorf("UpdateState with a failing fn wrote %s: %+v, %v", path, st, err)
	}
}

func TestPromoteAndRecordLast(t *testing.T) {
	path := emptyState(t, filepath.Join(t.TempDir(), "sub", "canonical.json"))
	ctx := t.Context()
	now := time.Date(2026, 11, 21, 3, 4, 5, 0, time.FixedZone("CET", 3600))
	fail := Last{Version: "3.6.0+1.24.2", Verdict: Fail, TS: now, Log: "/runs/x/log", Duration: Duration(time.Minute)}
	steps := []func() error{
		func() error {
			_, err := writeCanonical(ctx, path, "gitea", mustVersion(t, "3.5.3+1.24.2"), commitA, StatusPass, now, nil)
			return err
		},
		func() error { return recordLast(ctx, path, "gitea", fail) },
		func() error {
			replaced, err := writeCanonical(ctx, path, "gitea", mustVersion(t, "3.6.0+1.24.2"), strings.ToUpper(commitB), StatusByHand, now, nil)
			if err == nil && replaced != "3.5.3+1.24.2" {
				t.Errorf("writeCanonical replaced %q, want 3.5.3+1.24.2", replaced)
			}
			return err
		},
		func() error { return recordLast(ctx, path, "zulip", fail) },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	st, err := readState(path)
	if err != nil {
		t.Fatal(err)
	}
	utc := now.UTC()
	fail.TS, fail.FailingSince = utc, utc // a failure begins a streak
	want := &state{Schema: stateSchema, Recipes: map[string]*Record{
		"gitea": {Version: "3.6.0+1.24.2", Commit: commitB, Status: StatusByHand, TS: utc, Last: &fail},
		"zulip": {Last: &fail},
	}}
	if diff := cmp.Diff(want, st, cmp.AllowUnexported(state{}, extras{})); diff != "" {
		t.Errorf("state after promotions mismatch (-want +got):\n%s", diff)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("state file mode = %v (%v), want 0644", fi.Mode(), err)
	}
	if ms, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*tmp*")); len(ms) != 0 {
		t.Errorf("temporary files left behind: %v", ms)
	}
}

func TestPromoteBadArgs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "canonical.json")
	tests := []struct {
		name, version, commit string
	}{
		{"../etc", "1.0.0+1.0", commitA},
		{"gitea", "", commitA},
		{"gitea", "1.0.0-rc1+1.0", commitA},
		{"gitea", "1.0.0+1.0", ""},
		{"gitea", "1.0.0+1.0", "3.6.0+1.24.2"},
		{"gitea", "1.0.0+1.0", commitA[:12]},
	}
	for _, tt := range tests {
		var v recipe.Version
		if tt.version != "" {
			v = mustVersion(t, tt.version)
		}
		if _, err := writeCanonical(t.Context(), path, tt.name, v, tt.commit, StatusPass, time.Now(), nil); err == nil {
			t.Errorf("writeCanonical(%q, %q, %q) = nil, want an error", tt.name, tt.version, tt.commit)
		}
	}
	if err := recordLast(t.Context(), path, "Bad Name", Last{}); err == nil {
		t.Errorf("recordLast(%q) = nil, want an error", "Bad Name")
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("bad promotions wrote %s (stat: %v)", path, err)
	}
}

// TestUpdateStateWaitsForLock holds the lock through another open file
// description, as another process would, and checks UpdateState waits
// and gives up when its context ends.
func TestUpdateStateWaitsForLock(t *testing.T) {
	path := emptyState(t, filepath.Join(t.TempDir(), "canonical.json"))
	f, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	err = recordLast(ctx, path, "gitea", Last{Verdict: Fail})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("RecordLast while locked = %v, want %v", err, context.DeadlineExceeded)
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	if err := recordLast(t.Context(), path, "gitea", Last{Verdict: Fail}); err != nil {
		t.Errorf("RecordLast after unlock = %v", err)
	}
}

// TestUpdateStateRemovesStaleTemps: a writer killed between creating its
// temporary file and renaming it leaves the file; the next update removes
// it and the state file is intact.
func TestUpdateStateRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	path := emptyState(t, filepath.Join(dir, "canonical.json"))
	stale := filepath.Join(dir, ".canonical.json.tmp-123")
	if err := os.WriteFile(stale, []byte(`{"schema":`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := recordLast(t.Context(), path, "gitea", Last{Verdict: Pass}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temporary file %s still there (stat: %v)", stale, err)
	}
}

const helperEnv = "CCCI_TEST_STATE_HELPER"

// TestStateHelperProcess is not a test: run by TestUpdateStateProcesses
// in child processes, it records n results under its own prefix.
func TestStateHelperProcess(t *testing.T) {
	spec := os.Getenv(helperEnv)
	if spec == "" {
		t.Skip("helper process for TestUpdateStateProcesses")
	}
	parts := strings.SplitN(spec, "|", 3)
	path, prefix := parts[0], parts[1]
	n, _ := strconv.Atoi(parts[2])
	for i := range n {
		name := fmt.Sprintf("%s-%d", prefix, i)
		if err := recordLast(context.Background(), path, name, Last{Version: "1.0.0+1", Verdict: Pass}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

// TestUpdateStateProcesses runs several real processes updating one
// state file at once: no update is lost and the file always parses.
func TestUpdateStateProcesses(t *testing.T) {
	path := emptyState(t, filepath.Join(t.TempDir(), "canonical.json"))
	const procs, each = 4, 15
	var cmds []*exec.Cmd
	for p := range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^TestStateHelperProcess$")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|p%d|%d", helperEnv, path, p, each))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("helper process: %v", err)
		}
	}
	st, err := readState(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Recipes) != procs*each {
		t.Errorf("state holds %d recipes after %d processes x %d updates, want %d", len(st.Recipes), procs, each, procs*each)
	}
	for p := range procs {
		for i := range each {
			if name := fmt.Sprintf("p%d-%d", p, i); st.record(name) == nil {
				t.Errorf("update %s lost", name)
			}
		}
	}
}

// TestUpdateStateKilled kills writers with SIGKILL at random moments:
// the state file always parses, and holds every update its writer
// finished before the kill (each process records p<k>-0, p<k>-1, ... in
// order, so the records of a killed one are a prefix).
func TestUpdateStateKilled(t *testing.T) {
	path := emptyState(t, filepath.Join(t.TempDir(), "canonical.json"))
	midway := 0 // kills that landed between a writer's first and last update
	for k := range 8 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestStateHelperProcess$")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|k%d|1000", helperEnv, path, k))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill only once the writer is writing: a kill before its first
		// update would test nothing.
		for i := 0; ; i++ {
			if st, err := readState(path); err == nil && st.record(fmt.Sprintf("k%d-0", k)) != nil {
				break
			}
			if i == 1000 {
				cmd.Process.Kill()
				t.Fatalf("writer %d made no update in 10s", k)
			}
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(time.Duration(k*7) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		st, err := readState(path)
		if err != nil {
			t.Fatalf("after kill %d: %v", k, err)
		}
		n := 0
		for st.record(fmt.Sprintf("k%d-%d", k, n)) != nil {
			n++
		}
		t.Logf("writer %d killed after %d updates", k, n)
		if n < 1000 {
			midway++
		}
		for name := range st.Recipes {
			var kk, i int
			if _, err := fmt.Sscanf(name, "k%d-%d", &kk, &i); err != nil || kk == k && i >= n {
				t.Errorf("after kill %d: record %s is not part of a prefix of %d updates", k, name, n)
			}
		}
	}
	if midway == 0 {
		t.Errorf("every writer finished before its kill: no kill landed mid-update")
	}
}

func TestDurationText(t *testing.T) {
	tests := []struct {
		d    Duration
		text string
	}{
		{0, "0s"},
		{Duration(4*time.Minute + 12*time.Second), "4m12s"},
		{Duration(time.Hour), "1h0m0s"},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.d)
		if err != nil || string(b) != strconv.Quote(tt.text) {
			t.Errorf("json.Marshal(%d) = %s, %v, want %q", tt.d, b, err, tt.text)
		}
		var got Duration
		if err := json.Unmarshal(b, &got); err != nil || got != tt.d {
			t.Errorf("json.Unmarshal(%s) = %v, %v, want %v", b, got, err, tt.d)
		}
	}
	var d Duration
	if err := json.Unmarshal([]byte(`"four minutes"`), &d); err == nil {
		t.Errorf("json.Unmarshal(%q) = nil error, want one", "four minutes")
	}
}

func mustVersion(t testing.TB, tag string) recipe.Version {
	t.Helper()
	v, err := recipe.Parse(tag)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// FuzzParseState: the state parser never panics, and what it accepts
// survives a write and a re-read unchanged.
func FuzzParseState(f *testing.F) {
	for _, name := range []string{"good.json", "truncated.json", "wrong-type.json", "no-schema.json"} {
		b, err := os.ReadFile(filepath.Join("testdata/state", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"schema":1,"recipes":{"a":{"last":{"duration":"1h"}}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := parseState("fuzz.json", b)
		if err != nil {
			return
		}
		path := filepath.Join(t.TempDir(), "s.json")
		if err := writeState(path, st); err != nil {
			t.Fatalf("writeState(parseState(%q)): %v", b, err)
		}
		again, err := readState(path)
		if err != nil {
			t.Fatalf("readState(writeState(parseState(%q))): %v", b, err)
		}
		if diff := cmp.Diff(st, again, cmp.AllowUnexported(state{}, extras{})); diff != "" {
			t.Errorf("state of %q changed by a write and re-read (-before +after):\n%s", b, diff)
		}
	})
}
