package env

import (
	"path"
	"slices"
	"strings"
)

// Environ builds a job's environment from nothing, as "NAME=value"
// entries sorted by name:
//
//   - PATH: the declared directories joined with ':', or in strict mode
//     the view (Env.View) alone;
//   - every declared variable (Spec.Vars);
//   - every variable of caller (in os.Environ form) whose name matches one
//     of the Spec.Pass globs (path.Match syntax: DRONE_*, CI, TERM).
//
// Nothing else from caller leaks in. A declared variable wins over a
// passed one of the same name; when caller holds a name twice the last
// entry wins, as in os/exec. PATH is never taken from Spec.Vars or from
// caller, and caller entries without '=' are ignored.
func (e *Env) Environ(caller []string) []string {
	vars := make(map[string]string, len(e.Spec.Vars)+len(e.Spec.Pass)+1)
	for _, kv := range caller {
		name, value, ok := strings.Cut(kv, "=")
		if ok && name != "" && e.passes(name) {
			vars[name] = value
		}
	}
	for name, value := range e.Spec.Vars {
		vars[name] = value
	}
	vars["PATH"] = e.PathValue()
	out := make([]string, 0, len(vars))
	for name, value := range vars {
		out = append(out, name+"="+value)
	}
	slices.SortFunc(out, func(a, b string) int {
		return strings.Compare(a[:strings.IndexByte(a, '=')], b[:strings.IndexByte(b, '=')])
	})
	return out
}

// PathValue is the PATH a job gets: the view in strict mode (Env.View),
// else the declared directories joined with ':'.
func (e *Env) PathValue() string {
	if e.View != "" {
		return e.View
	}
	return strings.Join(e.Spec.Path, ":")
}

// passes reports whether a caller's variable name matches a Pass glob.
func (e *Env) passes(name string) bool {
	for _, glob := range e.Spec.Pass {
		if ok, _ := path.Match(glob, name); ok {
			return true
		}
	}
	return false
}
