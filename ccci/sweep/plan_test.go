package sweep

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"coopcloud.tech/cc-ci/ccci/recipe"
)

var update = flag.Bool("update", false, "rewrite the -- want -- sections of testdata/plan/*.txtar")

// planCase is one testdata/plan/*.txtar file: a -- tags/NAME -- section
// per recipe (one tag a line, optionally followed by its commit), an
// optional -- state.json --, optional -- options -- (Options as JSON) and
// -- want -- (the plan JSON).
type planCase struct {
	in   []input
	st   *state
	opts Options
}

func parsePlanCase(t *testing.T, file string, a *txtar.Archive) planCase {
	t.Helper()
	var c planCase
	c.st = newState()
	for _, f := range a.Files {
		switch name, ok := strings.CutPrefix(f.Name, "tags/"); {
		case ok:
			c.in = append(c.in, input{recipe: recipe.Recipe{Name: name, Dir: "/nonexistent/" + name}, tags: parseTags(f.Data)})
		case f.Name == "state.json":
			st, err := parseState(file, f.Data)
			if err != nil {
				t.Fatal(err)
			}
			c.st = st
		case f.Name == "options":
			if err := json.Unmarshal(f.Data, &c.opts); err != nil {
				t.Fatalf("%s: options: %v", file, err)
			}
		case f.Name == "want":
		default:
			t.Fatalf("%s: unknown section %q", file, f.Name)
		}
	}
	return c
}

func parseTags(b []byte) []recipe.Tag {
	var tags []recipe.Tag
	for line := range strings.Lines(string(b)) {
		fields := strings.Fields(line)
		switch len(fields) {
		case 0:
		case 1:
			tags = append(tags, recipe.Tag{Name: fields[0]})
		default:
			tags = append(tags, recipe.Tag{Name: fields[0], Commit: fields[1]})
		}
	}
	return tags
}

func TestPlanFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/plan/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			a, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			c := parsePlanCase(t, file, a)
			got, err := json.MarshalIndent(plan(c.in, c.st, c.opts), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			if *update {
				setSection(a, "want", got)
				if err := os.WriteFile(file, txtar.Format(a), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want := section(a, "want")
			if want == nil {
				t.Fatalf("%s: no -- want -- section (run with -update)", file)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s: Plan mismatch (-want +got):\n%s", file, diff)
			}
		})
	}
}

func section(a *txtar.Archive, name string) []byte {
	for _, f := range a.Files {
		if f.Name == name {
			return f.Data
		}
	}
	return nil
}

func setSection(a *txtar.Archive, name string, data []byte) {
	for i := range a.Files {
		if a.Files[i].Name == name {
			a.Files[i].Data = data
			return
		}
	}
	a.Files = append(a.Files, txtar.File{Name: name, Data: data})
}

// TestPlanPure checks that Plan does not depend on input order and does
// not modify its inputs.
func TestPlanPure(t *testing.T) {
	in := []input{
		{recipe: recipe.Recipe{Name: "zammad"}, tags: parseTags([]byte("1.0.0+6.0\n2.0.0+6.1\n"))},
		{recipe: recipe.Recipe{Name: "gitea"}, tags: parseTags([]byte("3.6.0+1.24.2\n3.5.3+1.24.2\n"))},
	}
	st := newState()
	st.Recipes["gitea"] = &Record{Version: "3.5.3+1.24.2"}
	before, _ := json.Marshal(st)
	a := plan(in, st, Options{})
	b := plan([]input{in[1], in[0]}, st, Options{})
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("Plan depends on input order (-first +second):\n%s", diff)
	}
	if after, _ := json.Marshal(st); !bytes.Equal(before, after) {
		t.Errorf("Plan modified the state: %s, want %s", after, before)
	}
	if len(a) != 2 || a[0].Recipe != "gitea" || a[1].Recipe != "zammad" {
		t.Errorf("Plan order = %v, want gitea, zammad", a)
	}
}

func TestPlanNilState(t *testing.T) {
	in := []input{{recipe: recipe.Recipe{Name: "gitea"}, tags: parseTags([]byte("3.6.0+1.24.2\n"))}}
	got := plan(in, nil, Options{})
	want := []Decision{{Recipe: "gitea", Action: ActionRun, Reason: NeverVerified,
		Detail: "no canonical version; latest tag 3.6.0+1.24.2", To: "3.6.0+1.24.2"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Plan(nil state) mismatch (-want +got):\n%s", diff)
	}
}

func TestOptionsUnknown(t *testing.T) {
	in := []input{{recipe: recipe.Recipe{Name: "gitea"}}, {recipe: recipe.Recipe{Name: "nextcloud"}}}
	tests := []struct {
		only []string
		want []string
	}{
		{nil, nil},
		{[]string{""}, nil},
		{[]string{"gitea"}, nil},
		{[]string{"gitae", "gitea", "zulip"}, []string{"gitae", "zulip"}},
	}
	for _, tt := range tests {
		got := Options{Only: tt.only}.unknown(in)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Options{Only: %q}.Unknown mismatch (-want +got):\n%s", tt.only, diff)
		}
	}
}

// FuzzPlan: for any tags and canonical version, Plan never panics, runs
// only release tags the recipe holds, and never runs from a version
// newer than the one it runs to.
func FuzzPlan(f *testing.F) {
	f.Add("3.5.3+1.24.2\n3.6.0+1.24.2", "3.5.3+1.24.2", "fail", false)
	f.Add("6.0.1+28.0.2-fpm\n5.0.3+27.0.1-fpm", "6.0.1+28.0.2-fpm", "", true)
	f.Add("v1.0.0\n1.1.0\n0.7.0+3.3.1-9-g7ae7b0f", "v1.0.0", "timeout", false)
	f.Add("3.5.3+1.24.2\n3.5.3+1.25.0", "3.5.3+1.24.0", "pass", true)
	f.Fuzz(func(t *testing.T, tags, canon, verdict string, weekly bool) {
		in := []input{{recipe: recipe.Recipe{Name: "r"}, tags: parseTags([]byte(tags))}}
		st := newState()
		st.Recipes["r"] = &Record{Version: canon, Last: &Last{Version: canon, Verdict: Verdict(verdict)}}
		ds := plan(in, st, Options{Weekly: weekly})
		if len(ds) != 1 {
			t.Fatalf("Plan = %d decisions, want 1", len(ds))
		}
		d := ds[0]
		if d.Action != ActionRun {
			return
		}
		to, err := recipe.Parse(d.To)
		if err != nil || !slices.Contains(strings.Fields(tags), d.To) {
			t.Fatalf("Plan(%q) runs to %q, not one of its tags (%v)", tags, d.To, err)
		}
		if d.From == "" {
			return
		}
		from, err := recipe.Parse(d.From)
		if err != nil || recipe.Compare(from, to) > 0 {
			t.Errorf("Plan(%q, canonical %q) runs from %q to %q", tags, canon, d.From, d.To)
		}
	})
}
