package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"coopcloud.tech/cc-ci/ccci/sweep"
	"coopcloud.tech/cc-ci/internal/gittest"
)

// TestConsumersAgree builds real recipe clones and a state file from
// every plan fixture of package sweep (ccci/sweep/testdata/plan) and
// checks that every consumer says the same about every recipe: cc-ci-sweep
// plan -json, status -json, the status board (report -html) and this
// example program; and that what they say is the fixture's wanted plan
// (action, reason, from, to).
func TestConsumersAgree(t *testing.T) {
	files, err := filepath.Glob("../../ccci/sweep/testdata/plan/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no plan fixtures: %v", err)
	}
	bin := ccciSweep(t)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			t.Parallel()
			f := loadFixture(t, file)
			dir := t.TempDir()
			config := f.build(t, dir)
			flags := f.flags()

			var plan []sweep.Decision
			decode(t, runSweep(t, bin, append([]string{"plan", "-json", "-config", config}, flags...)), &plan)
			var status sweep.Overview
			decode(t, runSweep(t, bin, append([]string{"status", "-json", "-config", config}, flags...)), &status)
			runSweep(t, bin, append([]string{"report", "-html", filepath.Join(dir, "board"), "-config", config}, flags...))
			board := boardReasons(t, filepath.Join(dir, "board", "index.html"))
			var md, stderr bytes.Buffer
			if code := run(t.Context(), append([]string{"-config", config}, libraryFlags(flags)...), &md, &stderr); code != 0 {
				t.Fatalf("library exited %d: %s", code, stderr.String())
			}

			want := map[string]string{} // recipe -> "action reason from -> to"
			for _, d := range f.want {
				want[d.Recipe] = fmt.Sprintf("%s %s %s -> %s", d.Action, d.Reason, d.From, d.To)
			}
			got := map[string]string{}
			for _, d := range plan {
				got[d.Recipe] = fmt.Sprintf("%s %s %s -> %s", d.Action, d.Reason, d.From, d.To)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("plan -json differs from the fixture's plan (-want +got):\n%s", diff)
			}
			fromStatus := map[string]string{}
			for _, r := range status.Recipes {
				fromStatus[r.Recipe] = fmt.Sprintf("%s %s %s -> %s", r.Action, r.Reason, r.From, r.To)
			}
			if diff := cmp.Diff(got, fromStatus); diff != "" {
				t.Errorf("status -json differs from plan -json (-plan +status):\n%s", diff)
			}
			reasons := map[string]string{}
			for _, d := range plan {
				reasons[d.Recipe] = string(d.Reason)
			}
			if diff := cmp.Diff(reasons, board); diff != "" {
				t.Errorf("the board's status words differ from plan -json's reasons (-plan +board):\n%s", diff)
			}
			var buf bytes.Buffer
			markdown(&buf, plan)
			if diff := cmp.Diff(buf.String(), md.String()); diff != "" {
				t.Errorf("the library example differs from plan -json (-plan +library):\n%s", diff)
			}
		})
	}
}

// fixture is one plan fixture: tags per recipe (with the commit the
// fixture gives, if any), the state file, the options and the wanted plan.
type fixture struct {
	tags  map[string][][2]string
	state map[string]any
	opts  map[string]any
	want  []sweep.Decision
}

func loadFixture(t *testing.T, file string) *fixture {
	a, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{tags: map[string][][2]string{}, state: map[string]any{"schema": 1, "recipes": map[string]any{}}}
	for _, s := range a.Files {
		switch name, ok := strings.CutPrefix(s.Name, "tags/"); {
		case ok:
			f.tags[name] = [][2]string{}
			for line := range strings.Lines(string(s.Data)) {
				if fields := strings.Fields(line); len(fields) > 0 {
					f.tags[name] = append(f.tags[name], [2]string{fields[0], strings.Join(fields[1:], "")})
				}
			}
		case s.Name == "state.json":
			decode(t, s.Data, &f.state)
		case s.Name == "options":
			decode(t, s.Data, &f.opts)
		case s.Name == "want":
			decode(t, s.Data, &f.want)
		}
	}
	return f
}

// build makes dir/recipes/<name> (one commit per tag, in order), the
// state file and the config, and returns the config's path. A state
// commit is replaced by the tag's real one, unless the fixture says the
// tag now points elsewhere (a moved tag), which the clone then shows.
func (f *fixture) build(t *testing.T, dir string) string {
	real := map[string]map[string]string{}
	for name, tags := range f.tags {
		var names []string
		for _, tc := range tags {
			names = append(names, tc[0])
		}
		real[name] = gittest.Repo(t, filepath.Join(dir, "recipes", name), names...)
	}
	recs, _ := f.state["recipes"].(map[string]any)
	for name, r := range recs {
		rec, _ := r.(map[string]any)
		v, _ := rec["version"].(string)
		c, ok := real[name][v]
		if !ok || rec["commit"] == nil {
			continue
		}
		if moved := f.commitOf(name, v); moved == "" || moved == rec["commit"] {
			rec["commit"] = c
		}
	}
	b, _ := json.Marshal(f.state)
	write(t, filepath.Join(dir, "state.json"), string(b))
	config := filepath.Join(dir, "ccci.toml")
	write(t, config, fmt.Sprintf("[env]\npath = [\"/usr/bin\", \"/bin\"]\ntools = [\"sh\"]\n[sweep]\nrecipes = %q\nstate = %q\nrun = [\"/bin/true\"]\nlockdir = %q\n",
		filepath.Join(dir, "recipes"), filepath.Join(dir, "state.json"), filepath.Join(dir, "lock")))
	return config
}

// commitOf is the commit the fixture gives the recipe's tag, or "".
func (f *fixture) commitOf(name, tag string) string {
	for _, tc := range f.tags[name] {
		if tc[0] == tag {
			return tc[1]
		}
	}
	return ""
}

// flags are the cc-ci-sweep flags of the fixture's options. -only keeps
// the names that are enrolled: the pure plan ignores unknown ones, the
// command refuses them.
func (f *fixture) flags() []string {
	var out []string
	if f.opts["weekly"] == true {
		out = append(out, "-weekly")
	}
	if f.opts["retryfailed"] == true {
		out = append(out, "-retry-failed")
	}
	if only, ok := f.opts["only"].([]any); ok {
		var names []string
		for _, n := range only {
			if _, ok := f.tags[n.(string)]; ok {
				names = append(names, n.(string))
			}
		}
		out = append(out, "-only", strings.Join(names, ","))
	}
	return out
}

// libraryFlags are the flags this example shares with cc-ci-sweep.
func libraryFlags(flags []string) []string { return slices.Clone(flags) }

var (
	buildOnce sync.Once
	built     string
	buildErr  error
)

// ccciSweep builds cc-ci-sweep once for all subtests.
func ccciSweep(t *testing.T) string {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "cc-ci-agree-")
		if err != nil {
			buildErr = err
			return
		}
		built = filepath.Join(dir, "cc-ci-sweep")
		out, err := exec.Command("go", "build", "-o", built, "coopcloud.tech/cc-ci/cmd/cc-ci-sweep").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("%v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatalf("building cc-ci-sweep: %v", buildErr)
	}
	return built
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built != "" {
		os.RemoveAll(filepath.Dir(built))
	}
	os.Exit(code)
}

// runSweep runs cc-ci-sweep and returns its stdout; it must exit 0.
func runSweep(t *testing.T, bin string, args []string) []byte {
	cmd := exec.CommandContext(context.Background(), bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("cc-ci-sweep %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// boardRow finds each index row's recipe and the status word it shows.
var boardRow = regexp.MustCompile(`<a href="recipe/([^"]+)\.html">[^<]*</a></td>\s*<td class="status" data-label="Status" data-reason="([^"]*)"><span [^>]*>([^<]*)</span>`)

// boardReasons reads the status word of every recipe on the board.
func boardReasons(t *testing.T, index string) map[string]string {
	b, err := os.ReadFile(index)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, m := range boardRow.FindAllStringSubmatch(string(b), -1) {
		if m[2] != m[3] {
			t.Errorf("board row %s: data-reason %q but shows %q", m[1], m[2], m[3])
		}
		out[m[1]] = m[3]
	}
	return out
}

func decode(t *testing.T, b []byte, v any) {
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
}

func write(t *testing.T, path, data string) {
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
