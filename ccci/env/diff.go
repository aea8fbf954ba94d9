package env

import (
	"path"
	"slices"
	"strings"
)

// Drop is one thing a new Spec drops.
type Drop struct {
	Kind string // "tool", "dir", "var", "pass"
	Name string
}

// String is "kind name", as cc-ci-run -diff prints it: "tool git-lfs".
func (d Drop) String() string { return d.Kind + " " + d.Name }

// kindOrder sorts Diff's result: tools first, then directories, variables
// and pass globs.
var kindOrder = map[string]int{"tool": 0, "dir": 1, "var": 2, "pass": 3}

// Diff lists what new drops from old: tools no longer declared,
// directories no longer on the path, variables no longer set (a changed
// value is not a drop), and pass globs that no glob of new covers (old
// "DRONE_BRANCH" is covered by new "DRONE_*"). The result is sorted by
// kind (tool, dir, var, pass), then name; it is empty when new is a
// superset of old, the check operators run before changing the
// environment.
func Diff(old, new Spec) []Drop {
	var drops []Drop
	tools, dirs := toolSet(new.Tools), toolSet(new.Path)
	for _, tool := range old.Tools {
		if !tools[tool] {
			drops = append(drops, Drop{Kind: "tool", Name: tool})
		}
	}
	for _, dir := range old.Path {
		if !dirs[dir] {
			drops = append(drops, Drop{Kind: "dir", Name: dir})
		}
	}
	for name := range old.Vars {
		if _, ok := new.Vars[name]; !ok {
			drops = append(drops, Drop{Kind: "var", Name: name})
		}
	}
	for _, glob := range old.Pass {
		if !covered(new.Pass, glob) {
			drops = append(drops, Drop{Kind: "pass", Name: glob})
		}
	}
	slices.SortFunc(drops, func(a, b Drop) int {
		if a.Kind != b.Kind {
			return kindOrder[a.Kind] - kindOrder[b.Kind]
		}
		return strings.Compare(a.Name, b.Name)
	})
	return slices.Compact(drops)
}

// covered reports whether one of globs is name itself or matches it.
func covered(globs []string, name string) bool {
	for _, g := range globs {
		if ok, _ := path.Match(g, name); g == name || ok {
			return true
		}
	}
	return false
}
