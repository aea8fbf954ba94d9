package ccci

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "coopcloud.tech/cc-ci"

// deps lists, for every package of the module, the module packages it
// depends on (directly or not), from go list -deps.
func deps(t *testing.T) map[string][]string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	out, err := exec.Command(gobin, "list", "-e", "-f", "{{.ImportPath}}{{range .Deps}} {{.}}{{end}}", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	m := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
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

// TestImportDirection keeps imports pointing one way: env and recipe are
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
	for _, leaf := range []string{module + "/ccci/env", module + "/ccci/recipe"} {
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
