package sweep

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// junitOf writes s as JUnit and reads it back: the suite and the XML.
func junitOf(t *testing.T, s *Summary) (junitSuite, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := s.WriteJUnit(&buf); err != nil {
		t.Fatal(err)
	}
	var got junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("WriteJUnit wrote invalid XML: %v\n%s", err, buf.Bytes())
	}
	return got.Suites[0], buf.Bytes()
}

// runDir makes a run directory whose log has n numbered lines.
func runDir(t *testing.T, n int, logName string) string {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "\x1b[31mline %d\x1b[0m <&> ]]> \x00\x07\xff\r\n", i)
	}
	if err := os.WriteFile(filepath.Join(dir, logName), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if logName != "log" {
		res := fmt.Sprintf(`{"recipe": "x", "log": %q}`, logName)
		if err := os.WriteFile(filepath.Join(dir, "result.json"), []byte(res), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestWriteJUnit(t *testing.T) {
	start := time.Date(2026, 11, 21, 2, 0, 0, 0, time.UTC)
	run := func(name string, v Verdict, dir string) Outcome {
		return Outcome{Decision: Decision{Recipe: name, Action: ActionRun, Reason: NewVersion,
			From: "1.0.0+1", To: "1.1.0+1"}, Verdict: v, RunDir: dir, Duration: Duration(90 * time.Second)}
	}
	s := &Summary{Status: "interrupted", Started: start, Finished: start.Add(time.Hour), Fingerprint: "e1:abc",
		Outcomes: []Outcome{
			{Decision: Decision{Recipe: "gitea", Action: ActionRun, To: "3.6.0+1.24.2"}, Verdict: Pass, Promoted: true},
			run("broken", Fail, runDir(t, 80, "log")),
			run("slow", Timeout, runDir(t, 3, "output.txt")),
			run("nolog", Error, ""),
			run("cut", Interrupted, t.TempDir()),
			{Decision: Decision{Recipe: "zulip", Action: ActionSkip, Reason: UpToDate, Detail: "canonical 1.0.0+1 is the latest tag"}, Verdict: Skipped},
			{Decision: run("later", Deferred, "").Decision, Verdict: Deferred},
		},
		Error: "sweep interrupted",
	}
	suite, _ := junitOf(t, s)
	counts := [4]int{suite.Tests, suite.Failures, suite.Errors, suite.Skipped}
	if want := [4]int{8, 3, 2, 2}; counts != want {
		t.Errorf("tests, failures, errors, skipped = %v, want %v", counts, want)
	}
	if suite.Time != "3600.000" || suite.Timestamp != "2026-11-21T02:00:00" {
		t.Errorf("suite time, timestamp = %q, %q, want 3600.000, 2026-11-21T02:00:00", suite.Time, suite.Timestamp)
	}
	var names []string
	for _, c := range suite.Cases {
		names = append(names, c.Name)
	}
	wantNames := []string{"gitea", "broken", "slow", "nolog", "cut", "zulip", "later", "(sweep)"}
	if diff := cmp.Diff(wantNames, names); diff != "" {
		t.Errorf("testcase names mismatch (-want +got):\n%s", diff)
	}
	checkCase(t, suite.Cases[0], "", "pass, promoted, 3.6.0+1.24.2")
	checkCase(t, suite.Cases[1], "fail, 1.0.0+1 -> 1.1.0+1", "line 31 <&> ]]> \uFFFD\uFFFD\uFFFD\n")
	checkCase(t, suite.Cases[2], "timeout, 1.0.0+1 -> 1.1.0+1", "line 1 <&> ]]> \uFFFD\uFFFD\uFFFD\nline 2 <&> ]]> \uFFFD\uFFFD\uFFFD\nline 3 <&> ]]> \uFFFD\uFFFD\uFFFD\n")
	checkCase(t, suite.Cases[3], "error, 1.0.0+1 -> 1.1.0+1", "(no run directory)")
	checkCase(t, suite.Cases[4], "interrupted, 1.0.0+1 -> 1.1.0+1", "(reading log: ")
	checkCase(t, suite.Cases[5], "up-to-date: canonical 1.0.0+1 is the latest tag", "")
	checkCase(t, suite.Cases[6], "deferred, 1.0.0+1 -> 1.1.0+1; new-version: ", "")
	checkCase(t, suite.Cases[7], "sweep interrupted", "")
	if c := suite.Cases[1].Failure; c != nil {
		if n := strings.Count(c.Text, "\n"); n != tailLines {
			t.Errorf("failure text has %d lines, want %d", n, tailLines)
		}
		if strings.Contains(c.Text, "line 30 ") || !strings.Contains(c.Text, "line 80 ") || strings.Contains(c.Text, "\x1b") {
			t.Errorf("failure text is not the last %d lines without escapes:\n%s", tailLines, c.Text)
		}
	}
}

// TestWriteJUnitFailedOnce: a sweep that failed because one recipe failed
// counts that failure once (failures=1, errors=0): its error is its
// recipes', not a case of its own.
func TestWriteJUnitFailedOnce(t *testing.T) {
	s := &Summary{Status: "failed", Error: "1 of 1 recipe runs did not pass and promote: a recipe test failed",
		Outcomes: []Outcome{{Decision: Decision{Recipe: "broken", Action: ActionRun, To: "1.0.0+1"}, Verdict: Fail}}}
	var buf bytes.Buffer
	if err := s.WriteJUnit(&buf); err != nil {
		t.Fatal(err)
	}
	var got junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	suite := got.Suites[0]
	if counts, want := [4]int{suite.Tests, suite.Failures, suite.Errors, suite.Skipped}, [4]int{1, 1, 0, 0}; counts != want {
		t.Errorf("tests, failures, errors, skipped = %v, want %v\n%s", counts, want, buf.Bytes())
	}
}

// checkCase checks a testcase's message (or system-out for a pass)
// starts with msg and its text starts with text.
func checkCase(t *testing.T, c junitCase, msg, text string) {
	t.Helper()
	var gotMsg, gotText string
	switch {
	case c.Skipped != nil:
		gotMsg = c.Skipped.Message
	case c.Failure != nil:
		gotMsg, gotText = c.Failure.Message, c.Failure.Text
	case c.Error != nil:
		gotMsg, gotText = c.Error.Message, c.Error.Text
	default:
		gotText = c.SystemOut
	}
	if !strings.HasPrefix(gotMsg, msg) {
		t.Errorf("testcase %s message = %q, want prefix %q", c.Name, gotMsg, msg)
	}
	if text != "" && !strings.Contains(gotText, text) {
		t.Errorf("testcase %s text = %q, want it to hold %q", c.Name, gotText, text)
	}
}

func TestReadTailLongLog(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "log")
	line := strings.Repeat("x", 1000) + "\n"
	if err := os.WriteFile(path, []byte(strings.Repeat(line, 200)+"last\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readTail(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != tailLines || lines[len(lines)-1] != "last" || lines[0] != line[:1000] {
		t.Errorf("readTail(200 long lines + last) = %d lines ending %q, want %d whole lines ending \"last\"",
			len(lines), lines[len(lines)-1], tailLines)
	}
}
