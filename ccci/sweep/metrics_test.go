package sweep

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/recipe"
	"coopcloud.tech/cc-ci/internal/proctest"
)

// metricsFixture is a sweep that covers every family: a canonical
// version by hand and one by a pass, a failing streak, a recipe never
// run, a low-disk deferral on a mount point that needs escaping.
func metricsFixture() *metricsInput {
	at := func(day int) time.Time { return time.Date(2026, 11, day, 3, 0, 0, 0, time.UTC) }
	tags := func(names ...string) []recipe.Tag {
		var out []recipe.Tag
		for _, n := range names {
			out = append(out, recipe.Tag{Name: n})
		}
		return out
	}
	st := newState()
	st.Recipes["gitea"] = &Record{Version: "3.6.0+1.24.2", Status: StatusPass, TS: at(20),
		Last: &Last{Version: "3.6.0+1.24.2", Verdict: Flaky, TS: at(20), Duration: Duration(4*time.Minute + 500*time.Millisecond)}}
	st.Recipes["keycloak"] = &Record{Version: "10.0.0+26.0.0", Status: StatusByHand, TS: at(2),
		Last: &Last{Version: "10.1.0+26.0.5", Verdict: Fail, TS: at(21), Duration: Duration(time.Minute), FailingSince: at(14)}}
	st.Recipes["gone"] = &Record{Last: &Last{Verdict: Pass, TS: at(25)}} // no longer enrolled
	return &metricsInput{
		sum: &Summary{Status: "deferred", Started: at(21), Finished: at(21).Add(90 * time.Second), LastOK: at(20).Add(time.Hour),
			Outcomes: []Outcome{{Verdict: Flaky}, {Verdict: Fail}, {Verdict: Deferred}, {}},
			LowDisk:  &LowDisk{Path: "/srv/ci runs", Mount: `/srv/"ci"\` + "\n", Free: 1 << 30, Need: 5 << 30}},
		minFree: 5 << 30,
		enrolled: []input{
			{recipe: recipe.Recipe{Name: "gitea"}, tags: tags("3.5.3+1.24.2", "3.6.0+1.24.2")},
			{recipe: recipe.Recipe{Name: "keycloak"}, tags: tags("10.0.0+26.0.0", "10.1.0+26.0.5")},
			{recipe: recipe.Recipe{Name: "new"}, tags: tags("0.1.0+1")},
			{recipe: recipe.Recipe{Name: "broken"}, err: fmt.Errorf("unreadable")},
		},
		known: true,
		st:    st,
	}
}

// TestMetricsText compares the exposition with testdata/metrics.golden
// (go test -run TestMetricsText -update rewrites it).
func TestMetricsText(t *testing.T) {
	got := metricsFixture().text()
	golden := filepath.Join("testdata", "metrics.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("metrics mismatch (-want +got):\n%s", diff)
	}
}

func TestLastOK(t *testing.T) {
	t1, t2 := time.Unix(100, 0), time.Unix(200, 0)
	for _, tt := range []struct {
		name string
		prev *Summary
		cur  *Summary
		want time.Time
	}{
		{"this one ok", &Summary{LastOK: t1}, &Summary{Status: "ok", Finished: t2}, t2},
		{"carried over", &Summary{Status: "failed", LastOK: t1}, &Summary{Status: "failed"}, t1},
		{"previous ok, written before last_ok", &Summary{Status: "ok", Finished: t1}, &Summary{Status: "deferred"}, t1},
		{"never", nil, &Summary{Status: "error"}, time.Time{}},
		{"never ok before", &Summary{Status: "failed", Finished: t1}, &Summary{Status: "failed"}, time.Time{}},
	} {
		if got := lastOK(tt.prev, tt.cur); !got.Equal(tt.want) {
			t.Errorf("%s: lastOK = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// metricFamilies is every family cc-ci writes: its label names. All are
// gauges.
var metricFamilies = map[string][]string{
	"ccci_sweep_start_timestamp_seconds":          nil,
	"ccci_sweep_end_timestamp_seconds":            nil,
	"ccci_sweep_status":                           {"status"},
	"ccci_sweep_last_success_timestamp_seconds":   nil,
	"ccci_sweep_enrolled_recipes":                 nil,
	"ccci_sweep_outcomes":                         {"verdict"},
	"ccci_sweep_last_run_timestamp_seconds":       nil,
	"ccci_sweep_low_disk":                         nil,
	"ccci_sweep_low_disk_free_bytes":              {"mountpoint"},
	"ccci_sweep_min_free_bytes":                   nil,
	"ccci_recipe_canonical_info":                  {"recipe", "status", "version"},
	"ccci_recipe_canonical_timestamp_seconds":     {"recipe"},
	"ccci_recipe_behind":                          {"recipe"},
	"ccci_recipe_last_verdict":                    {"recipe", "verdict"},
	"ccci_recipe_last_run_timestamp_seconds":      {"recipe"},
	"ccci_recipe_last_duration_seconds":           {"recipe"},
	"ccci_recipe_failing_since_timestamp_seconds": {"recipe"},
}

// TestMetricsNodeExporter runs real sweeps with [sweep] metrics in a
// textfile directory and scrapes a real node_exporter (Debian's
// prometheus-node-exporter) serving it on 127.0.0.1: every cc-ci family
// comes out as a gauge with the right labels, and node_exporter reports
// no textfile error (it rejects a malformed file). Without node_exporter
// the test skips, unless CI is set.
func TestMetricsNodeExporter(t *testing.T) {
	exporter := proctest.Tool(t, "prometheus-node-exporter", "prometheus-node-exporter", "node_exporter")
	textdir := t.TempDir()
	cfg := rtSweep(t, map[string][]string{"good": {"1.0.0+1"}, "bad": {"1.0.0+1"}, "flaky": {"1.0.0+1"}}, retryRunner)
	cfg.Env.Vars = map[string]string{"COUNT": t.TempDir()}
	cfg.Sweep.Retries = 1
	cfg.Sweep.Metrics = filepath.Join(textdir, "cc-ci.prom")
	url := startNodeExporter(t, exporter, textdir)

	seen := map[string]bool{}
	s, _ := Run(t.Context(), cfg, Options{}) // a failed sweep: bad fails
	got := checkScrape(t, url, seen)
	wantValues(t, "after the first sweep", got, map[string]float64{
		`ccci_sweep_status{status="failed"}`: 1, `ccci_sweep_status{status="ok"}`: 0,
		`ccci_sweep_enrolled_recipes`: 3, `ccci_sweep_outcomes{verdict="flaky"}`: 1, `ccci_sweep_outcomes{verdict="fail"}`: 1,
		`ccci_sweep_last_success_timestamp_seconds`: 0, `ccci_sweep_low_disk`: 0,
		`ccci_recipe_behind{recipe="bad"}`: 1, `ccci_recipe_behind{recipe="flaky"}`: 0,
		`ccci_recipe_last_verdict{recipe="flaky",verdict="flaky"}`:                  1,
		`ccci_recipe_canonical_info{recipe="good",status="pass",version="1.0.0+1"}`: 1,
		`ccci_sweep_start_timestamp_seconds`:                                        unixSeconds(s.Started),
		`ccci_recipe_failing_since_timestamp_seconds{recipe="bad"}`:                 unixSeconds(rtState(t, cfg.Sweep.State).Recipes["bad"].Last.TS),
	})

	cfg.Sweep.MinFree = 1 << 62 // the next sweep is deferred for low disk
	if _, err := Run(t.Context(), cfg, Options{Weekly: true}); err == nil {
		t.Fatal("second Run = nil, want deferred")
	}
	got = checkScrape(t, url, seen)
	wantValues(t, "after the deferred sweep", got, map[string]float64{
		`ccci_sweep_status{status="deferred"}`: 1, `ccci_sweep_low_disk`: 1, `ccci_sweep_min_free_bytes`: 1 << 62,
		`ccci_recipe_last_verdict{recipe="bad",verdict="fail"}`: 1, // the state file still says so
	})
	for name := range metricFamilies {
		if !seen[name] {
			t.Errorf("family %s never exported", name)
		}
	}
}

// TestAlertsNameExportedMetrics: every metric the shipped alert rules use
// is a family TestMetricsNodeExporter sees exported.
func TestAlertsNameExportedMetrics(t *testing.T) {
	rules, err := os.ReadFile("../../examples/prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	names := regexp.MustCompile(`\bccci_[a-z_]+`).FindAllString(string(rules), -1)
	if len(names) < 4 {
		t.Fatalf("alerts.yml names %d metrics, want at least one per alert", len(names))
	}
	for _, name := range names {
		if _, ok := metricFamilies[name]; !ok {
			t.Errorf("alerts.yml names %s, which cc-ci does not write", name)
		}
	}
}

var sampleRE = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$`)
var labelRE = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"`)

func wantValues(t *testing.T, when string, got, want map[string]float64) {
	t.Helper()
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s: %s = %v (exported %v), want %v", when, k, g, ok, v)
		}
	}
}

// checkScrape scrapes url and checks every ccci_ family and sample in it;
// it marks the families seen and returns the samples by series, as
// node_exporter writes them (labels sorted).
func checkScrape(t *testing.T, url string, seen map[string]bool) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s = %d, %v", url, resp.StatusCode, err)
	}
	text := "\n" + string(b)
	if !strings.Contains(text, "\nnode_textfile_scrape_error 0\n") {
		t.Fatalf("node_exporter reports a textfile error:\n%s", b)
	}
	samples := map[string]float64{}
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSuffix(line, "\n")
		if f, ok := strings.CutPrefix(line, "# TYPE ccci_"); ok {
			name, typ, _ := strings.Cut(f, " ")
			if typ != "gauge" {
				t.Errorf("ccci_%s is a %s, want a gauge", name, typ)
			}
			continue
		}
		m := sampleRE.FindStringSubmatch(line)
		if m == nil || !strings.HasPrefix(m[1], "ccci_") {
			continue
		}
		want, ok := metricFamilies[m[1]]
		if !ok {
			t.Errorf("unexpected family %s", m[1])
			continue
		}
		var names []string
		for _, l := range labelRE.FindAllStringSubmatch(m[2], -1) {
			names = append(names, l[1])
		}
		slices.Sort(names)
		if !slices.Equal(names, want) {
			t.Errorf("%s has labels %q, want %q", line, names, want)
		}
		if !strings.Contains(text, "\n# TYPE "+m[1]+" gauge\n") {
			t.Errorf("%s has no TYPE line", m[1])
		}
		seen[m[1]] = true
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Errorf("%s: %v", line, err)
		}
		samples[strings.TrimSuffix(line, " "+m[3])] = v
	}
	return samples
}

// startNodeExporter serves dir's textfiles on a free port of 127.0.0.1
// and returns the metrics URL once it answers.
func startNodeExporter(t *testing.T, exporter, dir string) string {
	t.Helper()
	for range 3 { // another process may take the port between probe and start
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		ctx, cancel := context.WithCancel(context.Background())
		cmd := exec.CommandContext(ctx, exporter, "--web.listen-address="+addr, "--collector.disable-defaults",
			"--collector.textfile", "--collector.textfile.directory="+dir)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			cancel()
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		t.Cleanup(func() {
			cancel()
			<-exited
		})
		url := "http://" + addr + "/metrics"
		if waitHTTP(url, exited, 30*time.Second) {
			return url
		}
		t.Logf("node_exporter on %s did not answer:\n%s", addr, out.String())
	}
	t.Fatal("node_exporter never answered")
	return ""
}

// waitHTTP polls url until it answers 200, the process exits or the
// deadline passes.
func waitHTTP(url string, exited <-chan error, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return true
			}
		}
		select {
		case <-exited:
			return false
		case <-time.After(20 * time.Millisecond):
		}
	}
	return false
}

// TestRunMetricsEveryEnd: the metrics file is written however the sweep
// ends: interrupted before it began, stopped by a missing tool (the
// recipes are read again for the per-recipe metrics), nothing enrolled.
func TestRunMetricsEveryEnd(t *testing.T) {
	for _, tt := range []struct {
		name   string
		setup  func(cfg *ccci.Config, cancel context.CancelFunc)
		status string
		want   []string
	}{
		{"interrupted", func(_ *ccci.Config, cancel context.CancelFunc) { cancel() }, "interrupted",
			[]string{"ccci_sweep_enrolled_recipes 1\n", `ccci_recipe_behind{recipe="app"} 1` + "\n"}},
		{"missing tool", func(cfg *ccci.Config, _ context.CancelFunc) {
			cfg.Env.Tools = append(cfg.Env.Tools, "no-such-tool-cc-ci")
		}, "error", []string{"ccci_sweep_enrolled_recipes 1\n", `ccci_recipe_behind{recipe="app"} 1` + "\n"}},
		{"nothing enrolled", func(cfg *ccci.Config, _ context.CancelFunc) { cfg.Sweep.Exclude = []string{"app"} }, "error",
			[]string{"ccci_sweep_enrolled_recipes 0\n"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := rtSweep(t, map[string][]string{"app": {"1.0.0+1"}}, "exit 0")
			cfg.Sweep.Metrics = filepath.Join(t.TempDir(), "cc-ci.prom")
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			tt.setup(cfg, cancel)
			s, err := Run(ctx, cfg, Options{})
			if err == nil || s.Status != tt.status {
				t.Fatalf("Run = %v, status %q; want %s", err, s.Status, tt.status)
			}
			b, err := os.ReadFile(cfg.Sweep.Metrics)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range append(tt.want, fmt.Sprintf("ccci_sweep_status{status=%q} 1\n", tt.status)) {
				if !strings.Contains(string(b), "\n"+want) {
					t.Errorf("metrics lack %q:\n%s", want, b)
				}
			}
		})
	}
}
