package sweep

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"coopcloud.tech/cc-ci/ccci/env"
)

// writeScript writes an executable shell script into dir.
func writeScript(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func notifySummary() *Summary {
	started := time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)
	return &Summary{
		Status:      "failed",
		Started:     started,
		Finished:    started.Add(9 * time.Minute),
		Fingerprint: "e1:abc",
		Outcomes: []Outcome{{
			Decision: Decision{Recipe: "gitea", Action: ActionRun, Reason: NewVersion, From: "3.5.3+1.24.2", To: "3.6.0+1.24.2"},
			Verdict:  Fail,
		}},
	}
}

func TestNotifyStdinAndStatus(t *testing.T) {
	dir := t.TempDir()
	hook := writeScript(t, dir, "hook", `cat > "$0.stdin"; printf %s "$`+statusEnv+`" > "$0.status"`+"\n")
	s := notifySummary()
	if err := notify(context.Background(), nil, []string{hook}, s); err != nil {
		t.Fatalf("notify(%s) = %v, want nil", hook, err)
	}
	stdin, err := os.ReadFile(hook + ".stdin")
	if err != nil {
		t.Fatal(err)
	}
	var got Summary
	if err := json.Unmarshal(stdin, &got); err != nil {
		t.Fatalf("stdin is not the summary JSON: %v\n%s", err, stdin)
	}
	if diff := cmp.Diff(s, &got); diff != "" {
		t.Errorf("summary on stdin (-want +got):\n%s", diff)
	}
	status, _ := os.ReadFile(hook + ".status")
	if string(status) != "failed" {
		t.Errorf("%s = %q, want %q", statusEnv, status, "failed")
	}
}

func TestNotifyDeclaredEnv(t *testing.T) {
	bin := t.TempDir()
	writeScript(t, bin, "notify-hook", `cat > "$0.stdin"; printf '%s\n%s' "$PATH" "$`+statusEnv+`" > "$0.env"`+"\n")
	e := &env.Env{Spec: env.Spec{Path: []string{bin}}, Tools: map[string]string{}}
	if err := notify(context.Background(), e, []string{"notify-hook"}, &Summary{Status: "ok"}); err != nil {
		t.Fatalf("notify(notify-hook) = %v, want nil", err)
	}
	got, err := os.ReadFile(filepath.Join(bin, "notify-hook.env"))
	if err != nil {
		t.Fatal(err)
	}
	if want := bin + "\nok"; string(got) != want {
		t.Errorf("notify-hook saw PATH, status = %q, want %q", got, want)
	}
}

func TestNotifyFailures(t *testing.T) {
	dir := t.TempDir()
	failing := writeScript(t, dir, "mailer", "cat >/dev/null; echo 'sending...'; echo 'mailer: no route to host' >&2; exit 3\n")
	tests := []struct {
		argv       []string
		wantStatus int
		wantMsg    string
	}{
		{[]string{failing}, 3, "notify " + failing + ": exit status 3: mailer: no route to host"},
		{[]string{filepath.Join(dir, "absent")}, -1, "notify " + filepath.Join(dir, "absent") + ": "},
	}
	for _, tt := range tests {
		err := notify(context.Background(), nil, tt.argv, notifySummary())
		var ne *NotifyError
		if !errors.As(err, &ne) {
			t.Errorf("notify(%q) = %v, want a *NotifyError", tt.argv, err)
			continue
		}
		if ne.ExitStatus != tt.wantStatus || !strings.HasPrefix(err.Error(), tt.wantMsg) {
			t.Errorf("notify(%q) = %q (status %d), want prefix %q (status %d)", tt.argv, err, ne.ExitStatus, tt.wantMsg, tt.wantStatus)
		}
	}
	if err := notify(context.Background(), nil, nil, notifySummary()); err != nil {
		t.Errorf("notify(nil argv) = %v, want nil", err)
	}
}

func TestNotifyTimeoutKillsGroup(t *testing.T) {
	dir := t.TempDir()
	pidfile := filepath.Join(dir, "pid")
	hook := writeScript(t, dir, "hang", "sleep 1000 &\necho $! > "+pidfile+".new && mv "+pidfile+".new "+pidfile+"\nsleep 1000\n")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := notify(ctx, nil, []string{hook}, notifySummary())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("notify(hang) = %v, want context.DeadlineExceeded", err)
	}
	rtGone(t, pidfile)
}

// TestNotifyLeavesNothingBehind: a hook that exits leaving a background
// child (a mailer forked off) does not leave it running after the sweep.
func TestNotifyLeavesNothingBehind(t *testing.T) {
	dir := t.TempDir()
	pidfile := filepath.Join(dir, "pid")
	hook := writeScript(t, dir, "fork", "sleep 1000 >/dev/null 2>&1 &\necho $! > "+pidfile+".new && mv "+pidfile+".new "+pidfile+"\n")
	if err := notify(context.Background(), nil, []string{hook}, notifySummary()); err != nil {
		t.Fatalf("notify(fork) = %v", err)
	}
	rtGone(t, pidfile)
}
