// Package scripttest holds the testscript commands that the scripts of
// cc-ci's binaries share, and the Setup that makes their git hermetic.
//
//	exitcode N PROG [ARG...]  run PROG as exec would; its exit status must be N
//	expand FILE...            in each FILE, replace $WORK with the work directory
//	                          and @NAME@ with $NAME, if set; a FILE starting
//	                          with #! becomes executable
//	waitfile FILE [SECONDS]   wait (10 seconds unless told) until FILE is written
//	waitgrep RE GLOB [SECONDS]
//	                          wait (10 seconds unless told) until a file matching
//	                          GLOB holds a match of RE
//	alive PIDFILE             the process whose PID the file holds runs (a zombie
//	                          does not); with !, wait (10 seconds) until it does not
//	signal NAME PIDFILE       send SIGNAME (TERM, INT or KILL) to that process
//	isparent PIDFILE          the file holds the PID of this test process
//	mkrecipe DIR [TAG...]     make a repository at DIR with gittest.Repo
//	advance DIR               commit past every tag with gittest.Advance
//	tagcommit DIR TAG VAR     set $VAR to the commit TAG names
//
// A file is written when it exists and is either not empty or open in no
// process: a file made by touch is written at once, one a shell redirects
// a command's output to only when something is in it. The PIDFILE
// commands wait for their file that way too.
//
// Use them as
//
//	testscript.Run(t, testscript.Params{
//		Dir:   "testdata",
//		Setup: scripttest.Setup,
//		Cmds:  scripttest.Commands(),
//	})
package scripttest

import (
	"os"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"coopcloud.tech/cc-ci/internal/gittest"
)

// Commands returns the commands of the package doc, in a new map that
// callers may add to.
func Commands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"exitcode":  cmdExitcode,
		"expand":    cmdExpand,
		"waitfile":  cmdWaitfile,
		"waitgrep":  cmdWaitgrep,
		"alive":     cmdAlive,
		"signal":    cmdSignal,
		"isparent":  cmdIsparent,
		"mkrecipe":  cmdMkrecipe,
		"advance":   cmdAdvance,
		"tagcommit": cmdTagcommit,
	}
}

// Setup gives a script gittest's environment, with HOME=$WORK (so git in
// the script and in the programs it runs is hermetic), and stops binaries
// built with -race from sleeping a second when they exit.
func Setup(e *testscript.Env) error {
	for _, kv := range gittest.Env(e.WorkDir) {
		if k, v, _ := strings.Cut(kv, "="); k != "PATH" {
			e.Setenv(k, v)
		}
	}
	e.Setenv("GORACE", strings.TrimSpace("atexit_sleep_ms=0 "+os.Getenv("GORACE")))
	return nil
}
