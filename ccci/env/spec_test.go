package env

import (
	"strconv"
	"syscall"
	"testing"
	"time"
)

// manyTools is a valid Spec of n tools, every tenth with a requirement
// and a version flag: every list and table Validate checks, at size n
// (go-version's constraint parsing, linear but slow, kept to a tenth).
func manyTools(n int) Spec {
	spec := Spec{Path: []string{"/usr/bin"}, Require: map[string]string{}, VersionFlags: map[string]string{}}
	for i := range n {
		tool := "tool-" + strconv.Itoa(i)
		spec.Tools = append(spec.Tools, tool)
		if i%10 == 0 {
			spec.Require[tool] = ">= 1.0"
			spec.VersionFlags[tool] = "-V"
		}
	}
	return spec
}

// TestValidateLinear: Validate costs the same per tool for 1k and 16k
// tools (issue 9: 10k tools took 0.98 s, 20k 3.1 s, 40k 11 s, a cost per
// tool that grew with their number). It counts the process's CPU time,
// not the clock: on a loaded machine the clock measures the other
// processes. A quadratic Validate costs 16 times as much per tool at 16k;
// the bound is 4.
func TestValidateLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("times Validate on 1k and 16k tools")
	}
	small, large := perTool(t, 1_000), perTool(t, 16_000)
	t.Logf("Validate, CPU time per tool: 1k tools %v, 16k tools %v", small, large)
	if large > 4*small {
		t.Errorf("Validate, CPU time per tool: 1k tools %v, 16k tools %v: more than 4 times, not linear", small, large)
	}
}

// perTool is Validate's CPU time per tool for n tools: the least of three
// rounds of about 32k tools' worth of calls each.
func perTool(t *testing.T, n int) time.Duration {
	spec := manyTools(n)
	reps := max(1, 32_000/n)
	best := time.Duration(1<<63 - 1)
	for range 3 {
		start := cpuTime(t)
		for range reps {
			if err := Validate(spec); err != nil {
				t.Fatal(err)
			}
		}
		best = min(best, (cpuTime(t)-start)/time.Duration(reps*n))
	}
	return best
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
