package ccci

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "coopcloud.tech/cc-ci"

// goList runs go list with args and returns its output lines.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	out, err := exec.Command(gobin, append([]string{"list"}, args...)...).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", strings.Join(args, " "), err)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// deps lists, for every package of the module, the module packages it
// depends on (directly or not), from go list -deps.
func deps(t *testing.T) map[string][]string {
	t.Helper()
	m := map[string][]string{}
	for _, line := range goList(t, "-e", "-f", "{{.ImportPath}}{{range .Deps}} {{.}}{{end}}", module+"/...") {
		fields := strings.Fields(line)
		for _, d := range fields[1:] {
			if d == module || strings.HasPrefix(d, module+"/") {
				m[fields[0]] = append(m[fields[0]], d)
			}
		}
		if _, ok := m[fields[0]]; !ok {
			m[fields[0]] = nil
		}
	}
	return m
}

// runDeps is all cc-ci-run may link besides the standard library: it
// starts every CI job, so what it links is start-up time (BenchmarkTrue),
// and go-git above all stays out. A prefix ending in "/" allows a tree.
var runDeps = []string{
	"golang.org/x/sys/",
	"golang.org/x/sync/",
	"github.com/BurntSushi/toml",
	"github.com/BurntSushi/toml/",
	"github.com/hashicorp/go-version",
	module + "/ccci",
	module + "/ccci/env",
	module + "/internal/",
	module + "/cmd/cc-ci-run",
}

// TestRunDeps pins what cmd/cc-ci-run links, as go-containerregistry's
// cmd/crane/depcheck_test.go does for crane: go-git never, and nothing
// outside runDeps. A new dependency is a decision to make here, in review.
func TestRunDeps(t *testing.T) {
	pkgs := goList(t, "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", module+"/cmd/cc-ci-run")
	if !slices.Contains(pkgs, module+"/ccci/env") {
		t.Fatalf("go list -deps cmd/cc-ci-run does not list ccci/env: %q", pkgs)
	}
	for _, pkg := range pkgs {
		if pkg == "" {
			continue
		}
		if strings.HasPrefix(pkg, "github.com/go-git/") {
			t.Errorf("cmd/cc-ci-run links %s: go-git belongs to the sweep (ccci/recipe), not to every CI job's start", pkg)
			continue
		}
		allowed := slices.ContainsFunc(runDeps, func(a string) bool {
			return pkg == a || strings.HasSuffix(a, "/") && strings.HasPrefix(pkg, a)
		})
		if !allowed {
			t.Errorf("cmd/cc-ci-run links %s, which is not in runDeps", pkg)
		}
	}
}

// TestImportDirection keeps imports pointing one way: env, recipe and drone are
// leaves (of the module they may use internal/... only), internal/...
// imports nothing of ccci or cmd, ccci never imports the sweep or a
// command, nothing imports cmd/*.
func TestImportDirection(t *testing.T) {
	all := deps(t)
	if len(all) == 0 {
		t.Fatal("go list found no packages")
	}
	if !strings.Contains(strings.Join(all[module+"/ccci"], " "), module+"/ccci/env") {
		t.Fatalf("go list: ccci does not seem to depend on ccci/env: %q", all[module+"/ccci"])
	}
	forbidden := func(pkg string, bad func(dep string) bool) {
		for _, d := range all[pkg] {
			if bad(d) {
				t.Errorf("%s depends on %s", pkg, d)
			}
		}
	}
	internal := func(d string) bool { return strings.HasPrefix(d, module+"/internal/") }
	for _, leaf := range []string{module + "/ccci/env", module + "/ccci/recipe", module + "/ccci/drone"} {
		if _, ok := all[leaf]; !ok {
			t.Errorf("go list did not list %s", leaf)
		}
		forbidden(leaf, func(d string) bool { return !internal(d) })
	}
	for pkg := range all {
		if internal(pkg) {
			forbidden(pkg, func(d string) bool { return !internal(d) })
		}
	}
	forbidden(module+"/ccci", func(d string) bool {
		return d == module+"/ccci/sweep" || strings.HasPrefix(d, module+"/ccci/sweep/") || strings.HasPrefix(d, module+"/cmd/")
	})
	for pkg := range all {
		forbidden(pkg, func(d string) bool { return strings.HasPrefix(d, module+"/cmd/") })
	}
}
