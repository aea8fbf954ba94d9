package sweep

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/internal/dronefake"
	"coopcloud.tech/cc-ci/internal/gittest"
	"coopcloud.tech/cc-ci/internal/proctest"
)

// Issue 11's benchmark: 24 recipes whose test takes 2 s, swept by the
// local executor one at a time and by the Drone executor against the
// stand-in with 8 runner slots, in the same run. The stand-in runs in a
// process of its own (this test binary, TestDroneFakeProcess), so that the
// sweep's rusage is the sweep's alone.
const (
	benchDroneRecipes = 24
	benchDroneTest    = 2 * time.Second
	benchDroneSlots   = 8
	benchDronePoll    = 500 * time.Millisecond
)

// BenchmarkDroneVsLocal reports both walls and their ratio (goal: local
// at least 5 times drone; 8 is the limit), and the Drone sweep's CPU time
// (user + system, getrusage) as a share of wall time: over the whole
// sweep (planning, 24 dispatches, log fetches, promotions and records
// included), and while it only waits: from 300 ms after the eighth run
// started (all eight builds dispatched) for 1.2 s (before any 2 s test
// can end). Run it with -benchtime 1x: one iteration takes about a
// minute.
//
//	go test -run '^$' -bench DroneVsLocal -benchtime 1x ./ccci/sweep
func BenchmarkDroneVsLocal(b *testing.B) {
	root := b.TempDir()
	for i := range benchDroneRecipes {
		gittest.Repo(b, filepath.Join(root, "recipes", fmt.Sprintf("recipe%02d", i)), "1.0.0+1")
	}
	runner := filepath.Join(root, "runner.sh")
	test := fmt.Sprintf("exec sleep %g", benchDroneTest.Seconds())
	if err := os.WriteFile(runner, []byte("#!/bin/sh\n"+test+"\n"), 0o755); err != nil {
		b.Fatal(err)
	}
	url := startFakeProcess(b, test)
	token := filepath.Join(root, "token")
	if err := os.WriteFile(token, []byte("token\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	local := rtConfig(b, root, fmt.Sprintf("run = [%q]\njobs = 1\n", runner))
	drone := rtConfig(b, root, fmt.Sprintf("executor = \"drone\"\n[drone]\nserver = %q\ntoken_file = %q\nrepo = \"coop-cloud/cc-ci\"\ncapacity = %d\npoll = %q\n",
		url, token, benchDroneSlots, benchDronePoll))
	const window = 1200 * time.Millisecond
	var localWall, droneWall, cpuAll, cpuWaiting time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		benchSweep(b, local, nil)
		localWall += time.Since(start)

		started := 0
		waited := make(chan time.Duration, 1)
		start, cpu0 := time.Now(), cpuTime(b)
		benchSweep(b, drone, func(ev Event) {
			if ev.Kind == Started {
				if started++; started == benchDroneSlots {
					go func() {
						// Once every build in flight is recorded, the
						// sweep only waits: measure its CPU over a window.
						proctest.Eventually(proctest.Wait, func() bool { return recordedBuilds(drone) == benchDroneSlots })
						c := cpuTime(b)
						time.Sleep(window) // the measuring window, not a wait for another process
						waited <- cpuTime(b) - c
					}()
				}
			}
		})
		droneWall += time.Since(start)
		cpuAll += cpuTime(b) - cpu0
		cpuWaiting += <-waited
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(localWall.Seconds()/n, "local-s")
	b.ReportMetric(droneWall.Seconds()/n, "drone-s")
	b.ReportMetric(localWall.Seconds()/droneWall.Seconds(), "local/drone")
	b.ReportMetric(100*cpuAll.Seconds()/droneWall.Seconds(), "sweep-cpu-%")
	b.ReportMetric(100*cpuWaiting.Seconds()/(n*window.Seconds()), "waiting-cpu-%")
	// Goals, said, never asserted: a benchmark is not a timed test.
	if localWall < 5*droneWall {
		b.Logf("the Drone sweep took %v, more than a fifth of the local one (%v)", droneWall/time.Duration(b.N), localWall/time.Duration(b.N))
	}
	if cpuWaiting*50 > time.Duration(b.N)*window {
		b.Logf("the Drone sweep used %v of CPU while waiting %v: 2%% or more", cpuWaiting, time.Duration(b.N)*window)
	}
}

// recordedBuilds counts the runs whose Drone build is recorded (a number
// in drone.json).
func recordedBuilds(cfg *ccci.Config) int {
	files, _ := filepath.Glob(filepath.Join(cfg.Sweep.Runs, "*", "*", droneFile(1)))
	n := 0
	for _, f := range files {
		if r := readDroneRun(filepath.Dir(f), 1); r != nil && r.Number > 0 {
			n++
		}
	}
	return n
}

// benchSweep resets the state and runs runs one sweep that must pass.
func benchSweep(b *testing.B, cfg *ccci.Config, events func(Event)) {
	b.Helper()
	for _, p := range []string{cfg.Sweep.State, cfg.Sweep.Runs} {
		if err := os.RemoveAll(p); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := Init(context.Background(), cfg); err != nil {
		b.Fatal(err)
	}
	s, err := Run(context.Background(), cfg, Options{Events: events})
	if err != nil || len(s.Outcomes) != benchDroneRecipes {
		b.Fatalf("sweep (%s) = %v, %d outcomes", cfg.Sweep.Executor, err, len(s.Outcomes))
	}
}

// cpuTime is this process's user and system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// startFakeProcess runs the stand-in in a child process (this binary,
// TestDroneFakeProcess) and returns its URL; it stops with the benchmark.
func startFakeProcess(b *testing.B, step string) string {
	cmd := exec.Command(os.Args[0], "-test.run=^TestDroneFakeProcess$")
	cmd.Env = append(os.Environ(), "CCCI_DRONEFAKE_SLOTS="+strconv.Itoa(benchDroneSlots), "CCCI_DRONEFAKE_STEP="+step,
		"CCCI_DRONEFAKE_ROOT="+b.TempDir())
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "dronefake "); ok {
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return u
		}
	}
	b.Fatalf("the stand-in process did not say its URL: %v", sc.Err())
	return ""
}

// TestDroneFakeProcess is the stand-in's process for BenchmarkDroneVsLocal:
// it serves until its standard input closes.
func TestDroneFakeProcess(t *testing.T) {
	slots, _ := strconv.Atoi(os.Getenv("CCCI_DRONEFAKE_SLOTS"))
	if slots == 0 {
		t.Skip("the stand-in's process for BenchmarkDroneVsLocal")
	}
	srv := dronefake.Start(dronefake.Config{Slots: slots, Root: os.Getenv("CCCI_DRONEFAKE_ROOT"),
		Pipeline: dronefake.Pipeline{Name: "recipe", Events: []string{"custom"},
			Steps: []dronefake.Step{{Name: "test recipe", Commands: []string{os.Getenv("CCCI_DRONEFAKE_STEP")}}}}})
	defer srv.Close()
	fmt.Println("dronefake " + srv.URL)
	_, _ = io.Copy(io.Discard, os.Stdin)
}
