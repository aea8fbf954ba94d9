package board

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"coopcloud.tech/cc-ci/ccci/sweep"
)

// makeRuns writes n recipes with runs run directories each under dir.
func makeRuns(b *testing.B, dir string, n, runs int) []Recipe {
	b.Helper()
	start := time.Date(2026, 1, 1, 3, 0, 0, 0, time.UTC)
	var rs []Recipe
	for i := range n {
		name := fmt.Sprintf("recipe-%03d", i)
		rs = append(rs, Recipe{Name: name, Latest: fmt.Sprintf("1.%d.0+2.0", runs)})
		for j := range runs {
			t := start.Add(time.Duration(j) * 24 * time.Hour)
			to := fmt.Sprintf("1.%d.0+2.0", j)
			rd := filepath.Join(dir, name, t.Format(sweep.RunDirLayout)+"-"+to)
			if err := os.MkdirAll(rd, 0o755); err != nil {
				b.Fatal(err)
			}
			res := sweep.Result{Recipe: name, To: to, Verdict: sweep.Pass, Started: t, Duration: sweep.Duration(4 * time.Minute), Log: "log"}
			data, _ := json.Marshal(res)
			if err := os.WriteFile(filepath.Join(rd, resultFile), data, 0o644); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(rd, logFile), []byte("log line\n"), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	return rs
}

// BenchmarkReport reads the runs of 250 recipes (30 each) and generates
// their board, as cc-ci-sweep report does after a sweep.
func BenchmarkReport(b *testing.B) {
	tmp := b.TempDir()
	runsDir := filepath.Join(tmp, "runs")
	recipes := makeRuns(b, runsDir, 250, 30)
	b.ResetTimer()
	for b.Loop() {
		in := Input{Recipes: recipes, Runs: map[string][]Run{}}
		for _, r := range recipes {
			runs, err := ReadRuns(runsDir, r.Name, 30)
			if err != nil {
				b.Fatal(err)
			}
			in.Runs[r.Name] = runs
		}
		if err := Generate(filepath.Join(tmp, "board"), in); err != nil {
			b.Fatal(err)
		}
	}
}
