package sweep

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode/utf8"
)

// JUnit output: one <testsuite name="cc-ci-sweep"> holding one <testcase>
// per recipe (classname "cc-ci-sweep", name the recipe, so CI web UIs
// track a recipe across sweeps). Skipped and deferred recipes are
// <skipped message="reason: detail">; fail, timeout and error are
// <failure> whose text is the tail of the run's log; interrupted runs are
// <error>. Tries follow surefire's convention for re-run tests: a flaky
// run (passed when tried again) is a passing <testcase> holding one
// <flakyFailure> per failed try; a run that failed every try has its
// first try in <failure> and each later one in a <rerunFailure>; their
// <stackTrace> is the tail of that try's log. A sweep that stopped on an
// error, was deferred or interrupted (Summary.Error, status other than
// failed) gets one more <testcase name="(sweep)"> with an <error>, so an
// aborted sweep is never an empty, green report; a failed sweep's
// failures are its recipes' alone.

// tailLines is how many lines of a failed run's log WriteJUnit includes.
const tailLines = 50

// tailBytes bounds how much of the log end WriteJUnit reads.
const tailBytes = 64 << 10

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr,omitempty"`
	Props     []junitProp `xml:"properties>property,omitempty"`
	Cases     []junitCase `xml:"testcase"`
}

type junitProp struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string       `xml:"name,attr"`
	Classname string       `xml:"classname,attr"`
	Time      string       `xml:"time,attr"`
	Skipped   *junitSkip   `xml:"skipped"`
	Failure   *junitFault  `xml:"failure"`
	Error     *junitFault  `xml:"error"`
	Flaky     []junitRerun `xml:"flakyFailure"`
	Rerun     []junitRerun `xml:"rerunFailure"`
	SystemOut string       `xml:"system-out,omitempty"`
}

// junitRerun is one failed try of a run that was tried again.
type junitRerun struct {
	Message    string `xml:"message,attr"`
	Type       string `xml:"type,attr"`
	StackTrace struct {
		Text string `xml:",cdata"`
	} `xml:"stackTrace"`
}

type junitSkip struct {
	Message string `xml:"message,attr"`
}

type junitFault struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"` // xmlText: CDATA does not escape

}

// WriteJUnit writes the summary as a JUnit XML report (see the comment
// above for the shape). Logs are read from each outcome's RunDir; a log
// that cannot be read is named in the failure text instead.
func (s *Summary) WriteJUnit(w io.Writer) error {
	suite := junitSuite{Name: "cc-ci-sweep", Time: seconds(s.Finished.Sub(s.Started).Seconds())}
	if !s.Started.IsZero() {
		suite.Timestamp = s.Started.UTC().Format("2006-01-02T15:04:05")
	}
	suite.Props = []junitProp{
		{"status", s.Status}, {"weekly", fmt.Sprint(s.Weekly)}, {"fingerprint", s.Fingerprint},
	}
	for _, o := range s.Outcomes {
		suite.Cases = append(suite.Cases, junitOutcome(o))
	}
	if s.Error != "" && s.Status != "failed" { // a failed sweep's recipes have their own cases
		suite.Cases = append(suite.Cases, junitCase{Name: "(sweep)", Classname: "cc-ci-sweep", Time: "0",
			Error: &junitFault{Message: s.Error, Type: s.Status}})
	}
	for _, c := range suite.Cases {
		suite.Tests++
		switch {
		case c.Skipped != nil:
			suite.Skipped++
		case c.Failure != nil:
			suite.Failures++
		case c.Error != nil:
			suite.Errors++
		}
	}
	b, err := xml.MarshalIndent(junitSuites{Suites: []junitSuite{suite}}, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding JUnit report: %w", err)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("writing JUnit report: %w", err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("writing JUnit report: %w", err)
	}
	return nil
}

// junitOutcome is the testcase of one recipe.
func junitOutcome(o Outcome) junitCase {
	c := junitCase{Name: o.Recipe, Classname: "cc-ci-sweep", Time: seconds(float64(o.Duration) / 1e9)}
	what := versions(o.Decision)
	if o.Note != "" {
		what += ": " + o.Note
	}
	switch o.Verdict {
	case Pass, Flaky:
		c.SystemOut = string(o.Verdict) + ", not promoted, " + what
		if o.Promoted {
			c.SystemOut = string(o.Verdict) + ", promoted, " + what
		}
		c.Flaky = reruns(o, o.Tries[:max(len(o.Tries)-1, 0)])
	case Skipped, Deferred, "":
		msg := string(o.Reason) + ": " + o.Detail
		if o.Verdict == Deferred {
			msg = "deferred, " + what + "; " + msg
		}
		c.Skipped = &junitSkip{Message: msg}
	case Interrupted:
		c.Error = &junitFault{Message: "interrupted, " + what, Type: string(o.Verdict), Text: logTail(o.RunDir)}
	default: // fail, timeout, error
		c.Failure = &junitFault{Message: string(o.Verdict) + ", " + what, Type: string(o.Verdict), Text: logTail(o.RunDir)}
		if len(o.Tries) > 1 { // the first try fails the case, the others are re-runs
			c.Failure.Type, c.Failure.Text = string(o.Tries[0].Verdict), tryTail(o.RunDir, o.Tries[0])
			c.Rerun = reruns(o, o.Tries[1:])
		}
	}
	return c
}

// reruns are the failed tries, each with the tail of its log.
func reruns(o Outcome, tries []Attempt) []junitRerun {
	var out []junitRerun
	for _, a := range tries {
		r := junitRerun{Message: fmt.Sprintf("%s on try %d of %d, %s", a.Verdict, a.Try, len(o.Tries), versions(o.Decision)),
			Type: string(a.Verdict)}
		r.StackTrace.Text = tryTail(o.RunDir, a)
		out = append(out, r)
	}
	return out
}

// tryTail is the last tailLines lines of one try's log.
func tryTail(runDir string, a Attempt) string {
	tail, err := readTail(filepath.Join(runDir, filepath.Base(a.Log)))
	if err != nil {
		return fmt.Sprintf("(reading log: %v)", err)
	}
	return tail
}

// versions is "from -> to", or "to" when there is no from.
func versions(d Decision) string {
	if d.From == "" {
		return d.To
	}
	return d.From + " -> " + d.To
}

func seconds(f float64) string { return fmt.Sprintf("%.3f", max(f, 0)) }

// ansi matches terminal escape sequences, which CI web UIs show as noise.
var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]`)

// logTail is the last tailLines lines of the run's log, found through
// its result.json (the "log" field, default "log").
func logTail(runDir string) string {
	if runDir == "" {
		return "(no run directory)"
	}
	name := "log"
	if b, err := os.ReadFile(filepath.Join(runDir, "result.json")); err == nil {
		var r RunRecord
		if json.Unmarshal(b, &r) == nil && r.Log != "" {
			name = r.Log
		}
	}
	path := filepath.Join(runDir, name)
	tail, err := readTail(path)
	if err != nil {
		return fmt.Sprintf("(reading log: %v)", err)
	}
	return tail
}

// readTail reads the last tailLines lines of the file.
func readTail(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	off := max(fi.Size()-tailBytes, 0)
	b := make([]byte, fi.Size()-off)
	if _, err := f.ReadAt(b, off); err != nil && err != io.EOF {
		return "", err
	}
	if off > 0 { // drop the partial first line
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	lines = lines[max(len(lines)-tailLines, 0):]
	out := ansi.ReplaceAllString(strings.Join(lines, "\n"), "")
	return xmlText(strings.ReplaceAll(out, "\r", "")) + "\n", nil
}

// xmlText replaces what XML 1.0 cannot hold (control characters other
// than tab and newline, invalid UTF-8) with U+FFFD.
func xmlText(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n':
			return r
		case r < 0x20, r == utf8.RuneError, r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
			return utf8.RuneError
		}
		return r
	}, s)
}
