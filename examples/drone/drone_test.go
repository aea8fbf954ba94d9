// Package drone holds the Drone pipeline of the operator's kit; this test
// loads it as YAML (python3's yaml module, since Go's standard library has
// no YAML parser and the module adds none) and checks what Drone will do.
package drone

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"coopcloud.tech/cc-ci/ccci"
	dronec "coopcloud.tech/cc-ci/ccci/drone"
	"coopcloud.tech/cc-ci/internal/dronefake"
	"coopcloud.tech/cc-ci/internal/proctest"
)

// pipeline is the part of a Drone pipeline this test checks.
type pipeline struct {
	Kind    string `json:"kind"`
	Type    string `json:"type"`
	Name    string `json:"name"`
	Trigger struct {
		Event []string `json:"event"`
	} `json:"trigger"`
	Steps []struct {
		Name     string   `json:"name"`
		Commands []string `json:"commands"`
		Image    string   `json:"image"`
	} `json:"steps"`
}

// loadYAML turns every document of a YAML file into JSON with python3.
func loadYAML(t *testing.T, path string) []pipeline {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err == nil {
		err = exec.Command(py, "-c", "import yaml").Run()
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("python3 with yaml is needed and CI is set (apt-get install -y python3-yaml): %v", err)
		}
		t.Skipf("python3 with yaml not available: %v", err)
	}
	script := "import json, sys, yaml; json.dump(list(yaml.safe_load_all(open(sys.argv[1]))), sys.stdout)"
	out, err := exec.Command(py, "-c", script, path).Output()
	if err != nil {
		t.Fatalf("loading %s as YAML: %v", path, err)
	}
	var docs []pipeline
	if err := json.Unmarshal(out, &docs); err != nil {
		t.Fatalf("decoding %s: %v", path, err)
	}
	return docs
}

func TestPipeline(t *testing.T) {
	docs := loadYAML(t, ".drone.yml")
	if len(docs) != 1 {
		t.Fatalf(".drone.yml holds %d documents, want 1", len(docs))
	}
	p := docs[0]
	if p.Kind != "pipeline" || p.Type != "exec" {
		t.Errorf("kind, type = %q, %q, want pipeline, exec", p.Kind, p.Type)
	}
	events := slices.Sorted(slices.Values(p.Trigger.Event))
	if diff := cmp.Diff([]string{"custom", "promote"}, events); diff != "" {
		t.Errorf("trigger events (-want +got):\n%s", diff)
	}
	if len(p.Steps) == 0 {
		t.Fatal("no steps")
	}
	for _, s := range p.Steps {
		if s.Image != "" {
			t.Errorf("step %q has an image: an exec pipeline runs on the host", s.Name)
		}
		if len(s.Commands) == 0 {
			t.Errorf("step %q has no commands", s.Name)
			continue
		}
		last := strings.Fields(s.Commands[len(s.Commands)-1])
		if len(last) < 3 || last[0] != "exec" || last[1] != "cc-ci-run" {
			t.Errorf("step %q ends with %q, want exec cc-ci-run COMMAND", s.Name, s.Commands[len(s.Commands)-1])
		}
	}
	if got := p.Steps[0].Commands[len(p.Steps[0].Commands)-1]; got != "exec cc-ci-run runner/run_recipe_ci.py" {
		t.Errorf("the test step runs %q, want exec cc-ci-run runner/run_recipe_ci.py", got)
	}
}

// TestRecipeGuard runs the step's commands in sh, with cc-ci-run stood in
// by a script: without CCCI_RECIPE the step stops before cc-ci-run.
func TestRecipeGuard(t *testing.T) {
	p := loadYAML(t, ".drone.yml")[0]
	bin := t.TempDir()
	if err := os.WriteFile(bin+"/cc-ci-run", []byte("#!/bin/sh\necho \"cc-ci-run $* for $CCCI_RECIPE\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	// Drone turns $$ into $ before the shell sees the commands.
	script := strings.ReplaceAll(strings.Join(p.Steps[0].Commands, "\n"), "$$", "$")
	for _, tt := range []struct {
		recipe string
		ok     bool
		want   string
	}{
		{"", false, "pass CCCI_RECIPE as a build parameter"},
		{"gitea", true, "cc-ci-run runner/run_recipe_ci.py for gitea"},
	} {
		cmd := exec.Command("sh", "-ec", script)
		cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin", "CCCI_RECIPE=" + tt.recipe}
		out, err := cmd.CombinedOutput()
		if (err == nil) != tt.ok || !strings.Contains(string(out), tt.want) {
			t.Errorf("step with CCCI_RECIPE=%q: %v, %q; want ok=%v and %q", tt.recipe, err, out, tt.ok, tt.want)
		}
	}
}

// TestSweepBuild runs the pipeline as the sweep triggers it: a custom
// event with the sweep's parameters, on the stand-in Drone server, whose
// runner runs the step's commands with cc-ci-run stood in by a script
// that prints what it was given. Drone's $$ escape is undone first, as
// Drone does before the runner sees the commands.
func TestSweepBuild(t *testing.T) {
	p := loadYAML(t, ".drone.yml")[0]
	bin := t.TempDir()
	stub := "#!/bin/sh\necho \"cc-ci-run $*\"\nenv | grep ^CCCI_ | sort\n"
	if err := os.WriteFile(bin+"/cc-ci-run", []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	var steps []dronefake.Step
	for _, s := range p.Steps {
		var cmds []string
		for _, c := range s.Commands {
			cmds = append(cmds, strings.ReplaceAll(c, "$$", "$"))
		}
		steps = append(steps, dronefake.Step{Name: s.Name, Commands: cmds})
	}
	srv := dronefake.Start(dronefake.Config{Root: t.TempDir(), HostEnv: []string{"PATH=" + bin + ":/usr/bin:/bin"},
		Pipeline: dronefake.Pipeline{Name: p.Name, Events: p.Trigger.Event, Steps: steps}})
	defer srv.Close()
	c := &dronec.Client{Server: srv.URL, Token: "token"}
	params := map[string]string{ccci.VarRecipe: "gitea", ccci.VarVersion: "3.6.0+1.24.2", ccci.VarFromVersion: "3.5.3+1.24.2",
		ccci.VarCommit: "00c19d31", "CCCI_SWEEP": "host:gitea/run", ccci.VarFingerprint: "e1:x"}
	ctx := context.Background()
	b, err := c.Create(ctx, "coop-cloud/cc-ci", "main", params)
	if err != nil {
		t.Fatalf("creating the build as the sweep does: %v", err)
	}
	proctest.Eventually(2*proctest.Wait, func() bool {
		if b, err = c.Build(ctx, "coop-cloud/cc-ci", b.Number); err != nil {
			t.Fatal(err)
		}
		return dronec.Done(b.Status)
	})
	if b.Status != dronec.StatusPassing {
		t.Fatalf("build ended %q, want success", b.Status)
	}
	lines, err := c.Logs(ctx, "coop-cloud/cc-ci", b.Number, 1, len(steps))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for _, l := range lines {
		out.WriteString(l.Out)
	}
	want := "cc-ci-run runner/run_recipe_ci.py\n"
	for _, k := range slices.Sorted(maps.Keys(params)) {
		want += k + "=" + params[k] + "\n"
	}
	if !strings.HasSuffix(out.String(), want) {
		t.Errorf("the step's log:\n%s\nwant it to end with\n%s", out.String(), want)
	}
}
