package sweep

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"coopcloud.tech/cc-ci/ccci/recipe"
)

// TestReadPlanPeel reads tags from real clones, plans and peels: only run
// decisions get a commit, and it is the tag's commit (annotated tags
// peeled).
func TestReadPlanPeel(t *testing.T) {
	dir, commits := recipesDir(t, map[string][]string{
		"gitea":     {"3.5.3+1.24.2", "3.6.0+1.24.2"},         // 3.6.0 lightweight
		"nextcloud": {"5.0.0+29.0.1-fpm", "6.0.1+30.0.0-fpm"}, // 6.0.1 lightweight
		"keycloak":  {"1.0.0+24.0"},                           // annotated
		"zulip":     nil,
	})
	rs, _, err := recipe.FromDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	rs = append(rs, recipe.Recipe{Name: "gone", Dir: filepath.Join(dir, "gone")})
	in := readInputs(t.Context(), rs)
	if len(in) != 5 {
		t.Fatalf("readInputs = %d inputs, want 5", len(in))
	}
	for _, inp := range in {
		if (inp.err != nil) != (inp.recipe.Name == "gone") {
			t.Errorf("readInputs %s: error %v, want one for gone only", inp.recipe.Name, inp.err)
		}
		for _, tag := range inp.tags {
			if tag.Commit != "" {
				t.Errorf("readInputs %s tag %s has commit %s, want names only", inp.recipe.Name, tag.Name, tag.Commit)
			}
		}
	}
	st := newState()
	st.Recipes["gitea"] = &Record{Version: "3.5.3+1.24.2", Commit: commits["gitea"]["3.5.3+1.24.2"]}
	st.Recipes["nextcloud"] = &Record{Version: "6.0.1+30.0.0-fpm", Commit: commits["nextcloud"]["6.0.1+30.0.0-fpm"]}
	ds := plan(in, st, Options{})
	if failed := peelRuns(t.Context(), in, ds); len(failed) > 0 {
		t.Fatal(failed)
	}
	got := map[string]string{}
	for _, d := range ds {
		got[d.Recipe] = string(d.Action) + " " + d.To + " " + d.Commit
	}
	want := map[string]string{
		"gitea":     "run 3.6.0+1.24.2 " + commits["gitea"]["3.6.0+1.24.2"],
		"keycloak":  "run 1.0.0+24.0 " + commits["keycloak"]["1.0.0+24.0"],
		"nextcloud": "skip 6.0.1+30.0.0-fpm ",
		"zulip":     "skip  ",
		"gone":      "skip  ",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("plan after PeelRuns mismatch (-want +got):\n%s", diff)
	}
}

func TestPeelRunsErrors(t *testing.T) {
	dir, _ := recipesDir(t, map[string][]string{"gitea": {"1.0.0+1"}})
	in := []input{
		{recipe: recipe.Recipe{Name: "gitea", Dir: filepath.Join(dir, "gitea")}},
		{recipe: recipe.Recipe{Name: "bad", Dir: filepath.Join(dir, "gitea")}},
	}
	ds := []Decision{
		{Recipe: "gitea", Action: ActionRun, To: "1.0.0+1"},
		{Recipe: "bad", Action: ActionRun, To: "9.9.9+9"},
		{Recipe: "other", Action: ActionRun, To: "1.0.0+1"},
		{Recipe: "skipped", Action: ActionSkip, To: "1.0.0+1"},
	}
	failed := peelRuns(t.Context(), in, ds)
	if len(failed) != 2 || ds[0].Commit == "" || ds[3].Commit != "" {
		t.Fatalf("peelRuns = %v, commits %q, want bad and other failed and only the first filled", failed, []string{ds[0].Commit, ds[1].Commit, ds[2].Commit, ds[3].Commit})
	}
	for name, s := range map[string]string{"bad": "peeling tag 9.9.9+9", "other": "peeling tag 1.0.0+1: recipe not among the inputs"} {
		if err := failed[name]; err == nil || !strings.Contains(err.Error(), s) {
			t.Errorf("peelRuns error for %s = %v, want it to say %q", name, err, s)
		}
	}
}

// TestSync fetches new tags from each clone's origin and reports every
// fetch, failures included.
func TestSync(t *testing.T) {
	origins, _ := recipesDir(t, map[string][]string{"gitea": {"1.0.0+1"}})
	clones := t.TempDir()
	git(t, clones, "clone", "-q", filepath.Join(origins, "gitea"), "gitea")
	makeRepo(t, filepath.Join(clones, "orphan"), "1.0.0+1") // no origin
	git(t, filepath.Join(origins, "gitea"), "tag", "1.1.0+1")
	rs := []recipe.Recipe{
		{Name: "gitea", Dir: filepath.Join(clones, "gitea")},
		{Name: "orphan", Dir: filepath.Join(clones, "orphan")},
		{Name: "remote-only", Repository: "https://example.org/x.git"},
	}
	got := map[string]error{}
	syncClones(t.Context(), rs, newEvents(func(ev Event) { got[ev.Recipe] = ev.Err }))
	if len(got) != 2 || got["gitea"] != nil || got["orphan"] == nil {
		t.Errorf("Sync reported %v, want gitea ok, orphan failed, remote-only not fetched", got)
	}
	names, err := recipe.LocalTagNames(t.Context(), rs[0].Dir)
	if err != nil || !strings.Contains(strings.Join(names, " "), "1.1.0+1") {
		t.Errorf("after Sync, gitea tags = %v, %v, want 1.1.0+1 among them", names, err)
	}
}

// TestSyncHungRemote: a remote that accepts the connection and never
// answers costs a fetch networkTimeout, reported, not the whole sweep.
func TestSyncHungRemote(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		var held []net.Conn // accepted, never answered
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	clone := t.TempDir()
	makeRepo(t, clone, "1.0.0+1")
	git(t, clone, "remote", "add", "origin", "http://"+ln.Addr().String()+"/hung.git")
	old := networkTimeout
	networkTimeout = 300 * time.Millisecond
	defer func() { networkTimeout = old }()

	var got error // without the bound, Sync hangs until go test's -timeout
	syncClones(t.Context(), []recipe.Recipe{{Name: "hung", Dir: clone}}, newEvents(func(ev Event) { got = ev.Err }))
	if !errors.Is(got, context.DeadlineExceeded) {
		t.Errorf("Sync reported %v, want a fetch error matching context.DeadlineExceeded", got)
	}
}

// TestPeelCanonicalMovedTag: a canonical tag moved to another commit since
// it passed is planned as retagged once PeelCanonical has peeled it; an
// unmoved one stays up to date.
func TestPeelCanonicalMovedTag(t *testing.T) {
	dir, commits := recipesDir(t, map[string][]string{
		"moved": {"1.0.0+1", "1.1.0+1"},
		"still": {"1.0.0+1", "1.1.0+1"},
	})
	movedDir := filepath.Join(dir, "moved")
	git(t, movedDir, "commit", "-q", "--allow-empty", "-m", "sneaky")
	git(t, movedDir, "tag", "-f", "-a", "-m", "again", "1.1.0+1")
	newCommit := git(t, movedDir, "rev-parse", "HEAD")
	st := newState()
	for _, name := range []string{"moved", "still"} {
		st.Recipes[name] = &Record{Version: "1.1.0+1", Commit: commits[name]["1.1.0+1"], Status: StatusPass}
	}
	rs, _, err := recipe.FromDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	in := readInputs(t.Context(), rs)
	if err := peelCanonical(t.Context(), in, st); err != nil {
		t.Fatal(err)
	}
	ds := plan(in, st, Options{})
	want := []Decision{
		{Recipe: "moved", Action: ActionRun, Reason: Retagged, From: "1.0.0+1", To: "1.1.0+1", Commit: newCommit,
			Detail: fmt.Sprintf("tag 1.1.0+1 moved from commit %.12s to %.12s", commits["moved"]["1.1.0+1"], newCommit)},
		{Recipe: "still", Action: ActionSkip, Reason: UpToDate, From: "1.1.0+1", To: "1.1.0+1",
			Detail: "canonical 1.1.0+1 is the latest tag"},
	}
	if diff := cmp.Diff(want, ds); diff != "" {
		t.Errorf("Plan after PeelCanonical mismatch (-want +got):\n%s", diff)
	}
}
