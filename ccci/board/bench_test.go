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

// makeRuns writes n recipes with runs run directories each under dir and
// returns their overview, the runs read back as sweep.Status reads them.
func makeRuns(b *testing.B, dir string, n, runs int) *sweep.Overview {
	b.Helper()
	start := time.Date(2026, 1, 1, 3, 0, 0, 0, time.UTC)
	ov := &sweep.Overview{}
	for i := range n {
		name := fmt.Sprintf("recipe-%03d", i)
		for j := range runs {
			t := start.Add(time.Duration(j) * 24 * time.Hour)
			to := fmt.Sprintf("1.%d.0+2.0", j)
			rd := filepath.Join(dir, name, t.Format("20060102T150405Z")+"-"+to)
			if err := os.MkdirAll(rd, 0o755); err != nil {
				b.Fatal(err)
			}
			res := sweep.RunRecord{Recipe: name, To: to, Verdict: sweep.Pass, Started: t, Duration: sweep.Duration(4 * time.Minute), Log: "log"}
			data, _ := json.Marshal(res)
			if err := os.WriteFile(filepath.Join(rd, "result.json"), data, 0o644); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(rd, "log"), []byte("log line\n"), 0o644); err != nil {
				b.Fatal(err)
			}
		}
		ov.Recipes = append(ov.Recipes, sweep.RecipeStatus{Latest: fmt.Sprintf("1.%d.0+2.0", runs),
			Decision: sweep.Decision{Recipe: name, Action: sweep.ActionRun, Reason: sweep.NewVersion},
			Runs:     fixtureRuns(b, dir, name)})
	}
	return ov
}

// BenchmarkReport generates the board of 250 recipes with 30 runs each,
// as cc-ci-sweep report does after a sweep (reading the runs is
// sweep.Status's, measured in package sweep).
func BenchmarkReport(b *testing.B) {
	tmp := b.TempDir()
	ov := makeRuns(b, filepath.Join(tmp, "runs"), 250, 30)
	b.ResetTimer()
	for b.Loop() {
		if err := Generate(filepath.Join(tmp, "board"), ov, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
