package sweep

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"coopcloud.tech/cc-ci/ccci"
)

// retryRunner counts its tries per recipe in $COUNT, refuses a checkout
// an earlier try touched, and ends as its recipe's part says: flaky fails
// its first try, slow times out on its first, bad fails every try, good
// passes.
const retryRunner = `n=$(cat "$COUNT/$CCCI_RECIPE" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$COUNT/$CCCI_RECIPE"
echo "try $n of $CCCI_RECIPE"
[ -e dirty ] && { echo "not a fresh checkout"; exit 9; }
touch dirty
case "$CCCI_RECIPE:$n" in
flaky:1) exit 3;;
slow:1) exec sleep 60;;
bad:*) exit 4;;
esac
exit 0`

// TestRunRetries: with retries = 1 a failed or timed-out try runs again
// in a fresh checkout, with a log of its own; a pass after a failure is
// flaky and promotes; a recipe failing both tries fails. Events, state,
// result.json, status and JUnit all say so.
func TestRunRetries(t *testing.T) {
	cfg := rtSweep(t, map[string][]string{"flaky": {"1.0.0+1"}, "slow": {"1.0.0+1"}, "bad": {"1.0.0+1"}, "good": {"1.0.0+1"}}, retryRunner)
	count := t.TempDir()
	cfg.Env.Vars = map[string]string{"COUNT": count}
	cfg.Sweep.Retries = 1
	cfg.Sweep.Timeout = 2 * time.Second
	var lines []string
	s, err := Run(t.Context(), cfg, Options{Events: func(ev Event) { lines = append(lines, ev.String()) }})
	if !errors.Is(err, ccci.ErrFailed) {
		t.Fatalf("Run = %v, want ErrFailed (bad fails every try)", err)
	}
	got := map[string]Outcome{}
	for _, o := range s.Outcomes {
		got[o.Recipe] = o
	}
	for name, want := range map[string]struct {
		verdict  Verdict
		promoted bool
		tries    string
	}{
		"flaky": {Flaky, true, "fail pass"},
		"slow":  {Flaky, true, "timeout pass"},
		"bad":   {Fail, false, "fail fail"},
		"good":  {Pass, true, ""},
	} {
		o := got[name]
		var tries []string
		for _, a := range o.Tries {
			tries = append(tries, string(a.Verdict))
		}
		if o.Verdict != want.verdict || o.Promoted != want.promoted || strings.Join(tries, " ") != want.tries {
			t.Errorf("%s: %s promoted=%v tries %q, want %s promoted=%v tries %q", name, o.Verdict, o.Promoted, tries, want.verdict, want.promoted, want.tries)
		}
	}
	if n := got["flaky"].Note; n != "passed on try 2 after fail (exit 3)" {
		t.Errorf("flaky note = %q", n)
	}
	if n := got["bad"].Note; n != "fail on every try (2)" {
		t.Errorf("bad note = %q", n)
	}

	// Each try keeps its own log; the record lists the tries.
	dir := got["flaky"].RunDir
	for name, want := range map[string]string{"log": "try 1 of flaky\n", "log-2": "try 2 of flaky\n"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(b) != want {
			t.Errorf("%s/%s = %q, %v; want %q", dir, name, b, err, want)
		}
	}
	res := readRun("flaky", dir)
	if res.Verdict != Flaky || res.Log != "log-2" || len(res.Tries) != 2 || res.Tries[0].ExitStatus != 3 || res.Tries[1].Log != "log-2" {
		t.Errorf("result.json = %+v", res)
	}
	st := rtState(t, cfg.Sweep.State)
	if rec := st.Recipes["flaky"]; rec.Version != "1.0.0+1" || rec.Last.Verdict != Flaky || !rec.Last.FailingSince.IsZero() {
		t.Errorf("flaky's record = %+v, last %+v; want promoted, last flaky", rec, rec.Last)
	}
	if l := st.Recipes["bad"].Last; l.Verdict != Fail || !l.FailingSince.Equal(l.TS) || !strings.HasSuffix(l.Log, "/log-2") {
		t.Errorf("bad's last = %+v, want fail, failing since its start, log-2", l)
	}

	// What a person watching the journal reads.
	wantLines := []string{
		`^\[\d/4\] flaky - -> 1\.0\.0\+1 \.\.\. started, log /.+/runs/flaky/\d{8}T\d{6}Z-1\.0\.0\+1/log$`,
		`^\[\d/4\] flaky - -> 1\.0\.0\+1 \.\.\. fail on try 1 of 2; trying again in a fresh checkout, log /.+/log-2$`,
		`^\[\d/4\] slow - -> 1\.0\.0\+1 \.\.\. timeout on try 1 of 2; trying again in a fresh checkout, log /.+/log-2$`,
		`^\[\d/4\] flaky - -> 1\.0\.0\+1 \.\.\. flaky, promoted \(passed on try 2 after fail \(exit 3\)\) \(`,
		`^\[\d/4\] bad - -> 1\.0\.0\+1 \.\.\. fail, log /.+/log-2 \(`,
	}
	for _, re := range wantLines {
		if !anyMatch(re, lines) {
			t.Errorf("no event line matches %s in\n%s", re, strings.Join(lines, "\n"))
		}
	}
	var sum bytes.Buffer
	PrintSummary(&sum, s)
	if !strings.Contains(sum.String(), "1 pass, 2 flaky, 1 fail") {
		t.Errorf("summary %q does not count the flaky runs", sum.String())
	}
	ov, err := Status(t.Context(), cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var status bytes.Buffer
	PrintStatus(&status, ov)
	if !regexp.MustCompile(`(?m)^flaky .* flaky 1\.0\.0\+1 `).Match(status.Bytes()) {
		t.Errorf("status does not say flaky:\n%s", status.String())
	}
	checkRetryJUnit(t, s)
}

// checkRetryJUnit: surefire's convention for re-runs.
func checkRetryJUnit(t *testing.T, s *Summary) {
	t.Helper()
	suite, raw := junitOf(t, s)
	if suite.Failures != 1 || suite.Errors != 0 { // bad alone: a failed sweep has no case of its own
		t.Errorf("failures, errors = %d, %d; want 1, 0", suite.Failures, suite.Errors)
	}
	for _, c := range suite.Cases {
		switch c.Name {
		case "flaky":
			if c.Failure != nil || len(c.Flaky) != 1 || len(c.Rerun) != 0 || c.Flaky[0].Type != "fail" ||
				!strings.Contains(c.Flaky[0].StackTrace.Text, "try 1 of flaky") || !strings.HasPrefix(c.SystemOut, "flaky, promoted") {
				t.Errorf("flaky testcase = %+v, want a pass with one flakyFailure holding try 1's log", c)
			}
		case "bad":
			if c.Failure == nil || !strings.Contains(c.Failure.Text, "try 1 of bad") || len(c.Rerun) != 1 ||
				!strings.Contains(c.Rerun[0].StackTrace.Text, "try 2 of bad") || c.Rerun[0].Message != "fail on try 2 of 2, 1.0.0+1" {
				t.Errorf("bad testcase = %+v, want a failure (try 1) and one rerunFailure (try 2)", c)
			}
		case "good":
			if c.Failure != nil || len(c.Flaky)+len(c.Rerun) != 0 {
				t.Errorf("good testcase = %+v, want a plain pass", c)
			}
		}
	}
	if !bytes.Contains(raw, []byte("<flakyFailure ")) || !bytes.Contains(raw, []byte("<rerunFailure ")) {
		t.Errorf("JUnit lacks the surefire elements:\n%s", raw)
	}
}

func anyMatch(re string, lines []string) bool {
	r := regexp.MustCompile(re)
	for _, l := range lines {
		if r.MatchString(l) {
			return true
		}
	}
	return false
}

// TestRunNoRetriesByDefault: retries = 0, a failure is final, one log.
func TestRunNoRetriesByDefault(t *testing.T) {
	cfg := rtSweep(t, map[string][]string{"flaky": {"1.0.0+1"}}, retryRunner)
	cfg.Env.Vars = map[string]string{"COUNT": t.TempDir()}
	s, err := Run(t.Context(), cfg, Options{})
	if !errors.Is(err, ccci.ErrFailed) {
		t.Fatalf("Run = %v, want ErrFailed", err)
	}
	o := s.Outcomes[0]
	entries, _ := os.ReadDir(o.RunDir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if o.Verdict != Fail || o.Tries != nil || strings.Join(names, " ") != "log result.json" {
		t.Errorf("outcome %s, tries %v, run directory %q; want fail, no tries, log and result.json", o.Verdict, o.Tries, names)
	}
}

// TestRunHeartbeat: a run still going is reported every heartbeat, with
// the time since it started and its log. The runner waits (polling, with
// a deadline) until the test has seen two such lines.
func TestRunHeartbeat(t *testing.T) {
	cfg := rtSweep(t, map[string][]string{"app": {"1.0.0+1"}},
		`i=0; while [ ! -e "$GO" ] && [ $i -lt 3000 ]; do sleep 0.01; i=$((i+1)); done; [ -e "$GO" ]`)
	goFile := filepath.Join(t.TempDir(), "go")
	cfg.Env.Vars = map[string]string{"GO": goFile}
	var running []Event
	s, err := Run(t.Context(), cfg, Options{Heartbeat: 20 * time.Millisecond, Events: func(ev Event) {
		if ev.Kind != Running {
			return
		}
		if running = append(running, ev); len(running) == 2 {
			if err := os.WriteFile(goFile, nil, 0o644); err != nil {
				t.Error(err)
			}
		}
	}})
	if err != nil {
		t.Fatalf("Run = %v", err)
	}
	if len(running) < 2 {
		t.Fatalf("%d Running events, want at least 2", len(running))
	}
	ev := running[1]
	line := regexp.MustCompile(`^\[1/1\] app - -> 1\.0\.0\+1 \.\.\. still running after \d+ms, log (/.+/log)$`)
	m := line.FindStringSubmatch(ev.String())
	if m == nil || m[1] != filepath.Join(s.Outcomes[0].RunDir, "log") {
		t.Errorf("Running line %q does not match %s with the run's log", ev.String(), line)
	}
	if ev.Elapsed <= running[0].Elapsed || ev.Try != 1 {
		t.Errorf("Running events %+v, %+v: want growing Elapsed, try 1", running[0], ev)
	}
}

func TestEventText(t *testing.T) {
	o := Outcome{Decision: Decision{Recipe: "gitea", From: "3.5.3+1.24.2", To: "3.6.0+1.24.2"}}
	for _, tt := range []struct {
		ev   Event
		want string
	}{
		{Event{Kind: Started, Index: 2, Total: 5, Outcome: o, Log: "/runs/gitea/x/log"},
			"[2/5] gitea 3.5.3+1.24.2 -> 3.6.0+1.24.2 ... started, log /runs/gitea/x/log"},
		{Event{Kind: Running, Index: 2, Total: 5, Outcome: o, Elapsed: 6*time.Minute + 400*time.Millisecond, Try: 1, Tries: 1, Log: "/r/log"},
			"[2/5] gitea 3.5.3+1.24.2 -> 3.6.0+1.24.2 ... still running after 6m0s, log /r/log"},
		{Event{Kind: Running, Index: 2, Total: 5, Outcome: o, Elapsed: 9 * time.Minute, Try: 2, Tries: 3, Log: "/r/log-2"},
			"[2/5] gitea 3.5.3+1.24.2 -> 3.6.0+1.24.2 ... still running after 9m0s (try 2 of 3), log /r/log-2"},
		{Event{Kind: Retrying, Index: 2, Total: 5, Outcome: Outcome{Decision: o.Decision, Verdict: Timeout}, Try: 2, Tries: 2, Log: "/r/log-2"},
			"[2/5] gitea 3.5.3+1.24.2 -> 3.6.0+1.24.2 ... timeout on try 1 of 2; trying again in a fresh checkout, log /r/log-2"},
	} {
		if got := tt.ev.String(); got != tt.want {
			t.Errorf("Event.String() = %q, want %q", got, tt.want)
		}
	}
}

func TestFailingSince(t *testing.T) {
	day := func(n int) time.Time { return time.Date(2026, 11, n, 3, 0, 0, 0, time.UTC) }
	last := func(v Verdict, ts time.Time, since time.Time) *Last {
		return &Last{Verdict: v, TS: ts, FailingSince: since}
	}
	for _, tt := range []struct {
		name string
		prev *Last
		cur  Verdict
		want time.Time
	}{
		{"first failure", nil, Fail, day(5)},
		{"after a pass", last(Pass, day(1), time.Time{}), Timeout, day(5)},
		{"streak goes on", last(Fail, day(2), day(1)), Error, day(1)},
		{"streak from an old record", last(Fail, day(2), time.Time{}), Fail, day(2)},
		{"a pass ends it", last(Fail, day(2), day(1)), Pass, time.Time{}},
		{"flaky ends it", last(Fail, day(2), day(1)), Flaky, time.Time{}},
		{"interrupted says nothing", last(Fail, day(2), day(1)), Interrupted, day(1)},
		{"interrupted after a pass", last(Pass, day(2), time.Time{}), Interrupted, time.Time{}},
	} {
		if got := failingSince(tt.prev, Last{Verdict: tt.cur, TS: day(5)}); !got.Equal(tt.want) {
			t.Errorf("%s: failingSince = %v, want %v", tt.name, got, tt.want)
		}
	}
}
