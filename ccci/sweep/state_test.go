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

func TestReadStateMissing(t *testing.T) {
	st, err := ReadState(filepath.Join(t.TempDir(), "canonical.json"))
	if err != nil {
		t.Fatalf("ReadState(missing) error: %v", err)
	}
	if diff := cmp.Diff(NewState(), st); diff != "" {
		t.Errorf("ReadState(missing) mismatch (-want +got):\n%s", diff)
	}
}

func TestReadStateGood(t *testing.T) {
	st, err := ReadState("testdata/state/good.json")
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)
	want := &State{Schema: 1, Recipes: map[string]*Record{"gitea": {
		Version: "3.6.0+1.24.2", Commit: commitA, Status: StatusPass, TS: ts,
		Last: &Last{Version: "3.6.0+1.24.2", Verdict: Pass, TS: ts,
			Log:      "/var/lib/cc-ci/runs/gitea/20261101T015612Z-3.6.0+1.24.2/log",
			Duration: Duration(4*time.Minute + 12*time.Second)},
	}}}
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("ReadState(good.json) mismatch (-want +got):\n%s", diff)
	}
	if v, c := st.Canonical("gitea"); v != "3.6.0+1.24.2" || c != commitA {
		t.Errorf("Canonical(gitea) = %q, %q, want 3.6.0+1.24.2, %s", v, c, commitA)
	}
	if v, c := (*State)(nil).Canonical("gitea"); v != "" || c != "" {
		t.Errorf("nil State Canonical(gitea) = %q, %q, want empty", v, c)
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
		_, err := ReadState(path)
		var se *StateError
		if !errors.As(err, &se) || se.Path != path {
			t.Errorf("ReadState(%q) = %v, want a *StateError naming the file", path, err)
			continue
		}
		if msg := err.Error(); !strings.HasPrefix(msg, "state "+path+": ") || !strings.Contains(msg, tt.want) {
			t.Errorf("ReadState(%q) error %q, want it to name the file and say %q", path, msg, tt.want)
		}
		if !errors.Is(err, ccci.ErrConfig) {
			t.Errorf("errors.Is(ReadState(%q), ccci.ErrConfig) = false, want true", path)
		}
		if got := ccci.ExitCode(err); got != ccci.ExitUsage {
			t.Errorf("ExitCode(ReadState(%q)) = %d, want %d", path, got, ccci.ExitUsage)
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
		err = UpdateState(t.Context(), path, func(*State) error { called = true; return nil })
		var se *StateError
		if !errors.As(err, &se) || called {
			t.Errorf("UpdateState(%s) = %v, fn called %v; want a *StateError, fn not called", file, err, called)
		}
		err = Promote(t.Context(), path, "gitea", mustVersion(t, "3.6.0+1.24.2"), commitA, time.Now())
		if !errors.As(err, &se) {
			t.Errorf("Promote on %s = %v, want a *StateError", file, err)
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, orig) {
			t.Errorf("UpdateState(%s) changed the file to %q", file, got)
		}
	}
}

func TestUpdateStateFnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "canonical.json")
	errNo := errors.New("no")
	err := UpdateState(t.Context(), path, func(st *State) error {
		st.record("gitea").Version = "3.6.0+1.24.2"
		return errNo
	})
	if !errors.Is(err, errNo) {
		t.Errorf("UpdateState = %v, want %v", err, errNo)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("UpdateState with a failing fn wrote %s (stat: %v)", path, err)
	}
}

func TestPromoteAndRecordLast(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "canonical.json")
	ctx := t.Context()
	now := time.Date(2026, 11, 21, 3, 4, 5, 0, time.FixedZone("CET", 3600))
	fail := Last{Version: "3.6.0+1.24.2", Verdict: Fail, TS: now, Log: "/runs/x/log", Duration: Duration(time.Minute)}
	steps := []func() error{
		func() error { return Promote(ctx, path, "gitea", mustVersion(t, "3.5.3+1.24.2"), commitA, now) },
		func() error { return RecordLast(ctx, path, "gitea", fail) },
		func() error {
			replaced, err := PromoteByHand(ctx, path, "gitea", mustVersion(t, "3.6.0+1.24.2"), strings.ToUpper(commitB), now)
			if err == nil && replaced != "3.5.3+1.24.2" {
				t.Errorf("PromoteByHand replaced %q, want 3.5.3+1.24.2", replaced)
			}
			return err
		},
		func() error { return RecordLast(ctx, path, "zulip", fail) },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	st, err := ReadState(path)
	if err != nil {
		t.Fatal(err)
	}
	utc := now.UTC()
	fail.TS = utc
	want := &State{Schema: StateSchema, Recipes: map[string]*Record{
		"gitea": {Version: "3.6.0+1.24.2", Commit: commitB, Status: StatusByHand, TS: utc, Last: &fail},
		"zulip": {Last: &fail},
	}}
	if diff := cmp.Diff(want, st); diff != "" {
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
		if err := Promote(t.Context(), path, tt.name, v, tt.commit, time.Now()); err == nil {
			t.Errorf("Promote(%q, %q, %q) = nil, want an error", tt.name, tt.version, tt.commit)
		}
	}
	if err := RecordLast(t.Context(), path, "Bad Name", Last{}); err == nil {
		t.Errorf("RecordLast(%q) = nil, want an error", "Bad Name")
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("bad promotions wrote %s (stat: %v)", path, err)
	}
}

// TestUpdateStateWaitsForLock holds the lock through another open file
// description, as another process would, and checks UpdateState waits
// and gives up when its context ends.
func TestUpdateStateWaitsForLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "canonical.json")
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
	err = RecordLast(ctx, path, "gitea", Last{Verdict: Fail})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("RecordLast while locked = %v, want %v", err, context.DeadlineExceeded)
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	if err := RecordLast(t.Context(), path, "gitea", Last{Verdict: Fail}); err != nil {
		t.Errorf("RecordLast after unlock = %v", err)
	}
}

// TestUpdateStateRemovesStaleTemps: a writer killed between creating its
// temporary file and renaming it leaves the file; the next update removes
// it and the state file is intact.
func TestUpdateStateRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "canonical.json")
	stale := filepath.Join(dir, ".canonical.json.tmp-123")
	if err := os.WriteFile(stale, []byte(`{"schema":`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := RecordLast(t.Context(), path, "gitea", Last{Verdict: Pass}); err != nil {
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
		if err := RecordLast(context.Background(), path, name, Last{Version: "1.0.0+1", Verdict: Pass}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

// TestUpdateStateProcesses runs several real processes updating one
// state file at once: no update is lost and the file always parses.
func TestUpdateStateProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "canonical.json")
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
	st, err := ReadState(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Recipes) != procs*each {
		t.Errorf("state holds %d recipes after %d processes x %d updates, want %d", len(st.Recipes), procs, each, procs*each)
	}
	for p := range procs {
		for i := range each {
			if name := fmt.Sprintf("p%d-%d", p, i); st.Record(name) == nil {
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
	path := filepath.Join(t.TempDir(), "canonical.json")
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
			if st, err := ReadState(path); err == nil && st.Record(fmt.Sprintf("k%d-0", k)) != nil {
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
		st, err := ReadState(path)
		if err != nil {
			t.Fatalf("after kill %d: %v", k, err)
		}
		n := 0
		for st.Record(fmt.Sprintf("k%d-%d", k, n)) != nil {
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
		again, err := ReadState(path)
		if err != nil {
			t.Fatalf("ReadState(writeState(parseState(%q))): %v", b, err)
		}
		if diff := cmp.Diff(st, again); diff != "" {
			t.Errorf("state of %q changed by a write and re-read (-before +after):\n%s", b, diff)
		}
	})
}
