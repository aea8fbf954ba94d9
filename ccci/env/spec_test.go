package env

import (
	"strconv"
	"testing"
	"time"
)

// manyTools is a valid Spec of n tools, each with a requirement and a
// version flag: every list and table Validate checks, at size n.
func manyTools(n int) Spec {
	spec := Spec{Path: []string{"/usr/bin"}, Require: map[string]string{}, VersionFlags: map[string]string{}}
	for i := range n {
		tool := "tool-" + strconv.Itoa(i)
		spec.Tools = append(spec.Tools, tool)
		spec.Require[tool] = ">= 1.0"
		spec.VersionFlags[tool] = "-V"
	}
	return spec
}

// fastest is the shortest of three runs of f: the machine's noise only
// ever adds time.
func fastest(f func()) time.Duration {
	best := time.Duration(1<<63 - 1)
	for range 3 {
		start := time.Now()
		f()
		best = min(best, time.Since(start))
	}
	return best
}

// TestValidateLinear: 4 times the tools costs about 4 times the time, not
// 16 (issue 9: 10k tools took 0.98 s, 20k 3.1 s, 40k 11 s). The bound, 8,
// leaves room for noise and lies halfway, on a log scale, between the two.
// 5k and 20k tools: enough for the quadratic part to show, cheap enough
// under the race detector.
func TestValidateLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("times Validate on 5k and 20k tools")
	}
	small, large := manyTools(5_000), manyTools(20_000)
	for _, s := range []Spec{small, large} {
		if err := Validate(s); err != nil {
			t.Fatal(err)
		}
	}
	tSmall := fastest(func() { _ = Validate(small) })
	tLarge := fastest(func() { _ = Validate(large) })
	t.Logf("Validate: 5k tools %v, 20k tools %v", tSmall, tLarge)
	if tLarge > 8*tSmall {
		t.Errorf("Validate: 5k tools %v, 20k tools %v: more than 8 times, not linear", tSmall, tLarge)
	}
}
