package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"coopcloud.tech/cc-ci/internal/dronefake"
	"coopcloud.tech/cc-ci/internal/scripttest"
)

// TestDroneScripts runs testdata/drone/*.txtar: sweeps whose executor is
// Drone, against the stand-in (internal/dronefake) started in this test
// process by the drone command, with the real cc-ci-run as the pipeline's
// step on the "runner host".
//
//	drone start [-slots N] [-environ K=V]... [-token T] STEP...
//	                     start the stand-in: its pipeline "recipe" (custom
//	                     and promote events) has a step "clone" and a step
//	                     "test recipe" running the commands STEP...; sets
//	                     $DRONE_SERVER (the runner's PATH and USER are the
//	                     script's)
//	drone builds N       the server made N builds
//	drone posts N        the server received N create requests
//	drone once           no recipe and version was built twice
//	drone running N      wait (20 s at most) until N builds run
//	drone done N         wait (20 s at most) until N builds have ended
func TestDroneScripts(t *testing.T) {
	bin := buildCCCIRun(t)
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/drone",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup: func(e *testscript.Env) error {
			e.Setenv("PATH", filepath.Dir(bin)+string(filepath.ListSeparator)+e.Getenv("PATH"))
			return scripttest.Setup(e)
		},
		Cmds: droneCommands(),
	})
}

func droneCommands() map[string]func(*testscript.TestScript, bool, []string) {
	cmds := scripttest.Commands()
	cmds["drone"] = cmdDrone
	return cmds
}

// fakes holds each script's stand-in.
var fakes sync.Map // *testscript.TestScript -> *dronefake.Server

func fakeOf(ts *testscript.TestScript) *dronefake.Server {
	s, ok := fakes.Load(ts)
	if !ok {
		ts.Fatalf("drone: no server started (drone start)")
	}
	return s.(*dronefake.Server)
}

func cmdDrone(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: drone start|builds|posts|once|running ...")
	}
	switch args[0] {
	case "start":
		droneStart(ts, args[1:])
	case "builds", "posts":
		want := oneNumber(ts, args)
		got := fakeOf(ts).Created()
		if args[0] == "posts" {
			got = 0
			for _, r := range fakeOf(ts).Requests() {
				if r.Method == "POST" {
					got++
				}
			}
		}
		if got != want {
			ts.Fatalf("drone %s: %d, want %d", args[0], got, want)
		}
	case "once":
		seen := map[string]int64{}
		for _, b := range fakeOf(ts).Builds() {
			key := b.Params["CCCI_RECIPE"] + " " + b.Params["CCCI_VERSION"]
			if n, dup := seen[key]; dup {
				ts.Fatalf("drone once: %s built twice, #%d and #%d", key, n, b.Number)
			}
			seen[key] = b.Number
		}
	case "running", "done":
		want := oneNumber(ts, args)
		ok := fakeOf(ts).Wait(20*time.Second, func(bs []dronefake.Build) bool {
			n := 0
			for _, b := range bs {
				if (b.Status == "running") == (args[0] == "running") && b.Status != "pending" {
					n++
				}
			}
			return n == want
		})
		if !ok {
			ts.Fatalf("drone %s: not %d such builds within 20s: %v", args[0], want, fakeOf(ts).Builds())
		}
	default:
		ts.Fatalf("drone: unknown subcommand %q", args[0])
	}
}

func oneNumber(ts *testscript.TestScript, args []string) int {
	if len(args) != 2 {
		ts.Fatalf("usage: drone %s N", args[0])
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	return n
}

type environFlag map[string]string

func (e environFlag) String() string { return fmt.Sprint(map[string]string(e)) }

func (e environFlag) Set(kv string) error {
	k, v, ok := strings.Cut(kv, "=")
	if !ok {
		return fmt.Errorf("want K=V, got %q", kv)
	}
	e[k] = v
	return nil
}

func droneStart(ts *testscript.TestScript, args []string) {
	fs := flag.NewFlagSet("drone start", flag.ContinueOnError)
	slots := fs.Int("slots", 1, "runner slots")
	token := fs.String("token", "token", "the user's token")
	environ := environFlag{}
	fs.Var(environ, "environ", "K=V for DRONE_RUNNER_ENVIRON")
	ts.Check(fs.Parse(args))
	if fs.NArg() == 0 {
		ts.Fatalf("usage: drone start [-slots N] [-environ K=V]... [-token T] STEP...")
	}
	root := filepath.Join(ts.Getenv("WORK"), ".drone-runner")
	ts.Check(os.MkdirAll(root, 0o755))
	s := dronefake.Start(dronefake.Config{
		Token: *token, Slots: *slots, Environ: environ, Root: root,
		HostEnv: []string{"PATH=" + ts.Getenv("PATH"), "USER=" + os.Getenv("USER")},
		Pipeline: dronefake.Pipeline{Name: "recipe", Events: []string{"custom", "promote"}, Steps: []dronefake.Step{
			{Name: "clone", Commands: []string{"echo cloned"}},
			{Name: "test recipe", Commands: fs.Args()},
		}},
	})
	fakes.Store(ts, s)
	ts.Defer(func() {
		s.Close()
		fakes.Delete(ts)
	})
	ts.Setenv("DRONE_SERVER", s.URL)
}
