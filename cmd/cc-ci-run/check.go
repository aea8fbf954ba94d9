package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/ccci/env"
)

// checkReport is what -check prints; -json prints it as is.
type checkReport struct {
	Config      string    `json:"config"`      // the file, or "built-in default"
	Fingerprint string    `json:"fingerprint"` // "" when a tool is missing
	Path        string    `json:"path"`        // the job's PATH (the view when strict); "" when a tool is missing
	OK          bool      `json:"ok"`          // every tool found, ran, and meets its requirement
	Tools       []toolRow `json:"tools"`
}

type toolRow struct {
	Tool       string `json:"tool"`
	Path       string `json:"path"`
	Version    string `json:"version"`
	Constraint string `json:"constraint,omitempty"`
	OK         bool   `json:"ok"`
	Error      string `json:"error,omitempty"`
}

// check resolves and probes every tool, prints the report, and fails
// (exit 3) unless every row is ok.
func check(ctx context.Context, cfg *ccci.Config, asJSON bool, stdout io.Writer) error {
	r, err := probe(ctx, cfg)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(r)
	} else {
		err = r.print(stdout)
	}
	if err != nil {
		return err
	}
	if bad := r.failed(); len(bad) > 0 {
		return fmt.Errorf("%w: %s", ccci.ErrEnvironment, strings.Join(bad, ", "))
	}
	return nil
}

// probe resolves the declared tools; missing ones get a row of their own
// and the others are probed.
func probe(ctx context.Context, cfg *ccci.Config) (*checkReport, error) {
	r := &checkReport{Config: cfg.File}
	if r.Config == "" {
		r.Config = "built-in default"
	}
	spec := cfg.Env
	e, err := env.Resolve(spec)
	var missing *env.MissingError
	if errors.As(err, &missing) {
		e, err = env.Resolve(without(spec, missing.Tools))
	}
	if err != nil {
		return nil, err
	}
	if missing == nil {
		r.Fingerprint, r.Path = e.Fingerprint(), e.PathValue()
	}
	probed := map[string]env.ToolStatus{}
	for _, st := range e.Probe(ctx) {
		probed[st.Tool] = st
	}
	for _, tool := range spec.Tools {
		row := toolRow{Tool: tool, Constraint: spec.Require[tool]}
		if st, ok := probed[tool]; ok {
			row.Path, row.Version, row.OK = st.Path, st.Version, st.OK
			if st.Err != nil {
				row.Error = st.Err.Error()
			}
		} else {
			row.Error = "not found in " + strings.Join(spec.Path, ":")
		}
		r.Tools = append(r.Tools, row)
	}
	r.OK = len(r.failed()) == 0
	return r, nil
}

// without is spec minus the given tools (and their requirements).
func without(spec env.Spec, drop []string) env.Spec {
	dropped := make(map[string]bool, len(drop))
	for _, tool := range drop {
		dropped[tool] = true
	}
	keep := func(tool string) bool { return !dropped[tool] }
	spec.Tools = slices.DeleteFunc(slices.Clone(spec.Tools), func(t string) bool { return !keep(t) })
	spec.Require = maps.Clone(spec.Require)
	maps.DeleteFunc(spec.Require, func(t, _ string) bool { return !keep(t) })
	spec.VersionFlags = maps.Clone(spec.VersionFlags)
	maps.DeleteFunc(spec.VersionFlags, func(t, _ string) bool { return !keep(t) })
	return spec
}

// failed names the tools that are not ok.
func (r *checkReport) failed() []string {
	var bad []string
	for _, t := range r.Tools {
		if !t.OK {
			bad = append(bad, t.Tool)
		}
	}
	return bad
}

// print writes the report as a table.
func (r *checkReport) print(w io.Writer) error {
	fp, path := r.Fingerprint, r.Path
	if fp == "" {
		fp, path = "- (a tool is missing)", "-"
	}
	fmt.Fprintf(w, "config:      %s\nfingerprint: %s\npath:        %s\n", r.Config, fp, path)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TOOL\tPATH\tVERSION\tOK")
	for _, t := range r.Tools {
		ok := "ok"
		if !t.OK {
			ok = "FAIL: " + t.Error
		}
		version := t.Version
		if t.Constraint != "" {
			version += " (" + t.Constraint + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Tool, dash(t.Path), dash(version), ok)
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// export prints shell lines for a person's login shell on the host: the
// job's PATH (the declared directories, or the strict view) put before the
// shell's own, and the declared variables, but for those that belong to
// the person or the shell (personalVars): HOME above all, which would
// move the person's files. A job's environment stays built from nothing;
// this is for people.
func export(e *env.Env, stdout io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "export PATH=%s\"${PATH:+:$PATH}\"\n", shellQuote(e.PathValue()))
	for _, name := range slices.Sorted(maps.Keys(e.Spec.Vars)) {
		if personal(name) {
			fmt.Fprintf(&b, "# %s is left as it is: it is the person's or the shell's own (jobs get the declared one)\n", name)
			continue
		}
		fmt.Fprintf(&b, "export %s=%s\n", name, shellQuote(e.Spec.Vars[name]))
	}
	_, err := io.WriteString(stdout, b.String())
	return err
}

// personalVars are the variables -export never sets in a person's shell:
// who they are, where their files and terminal are, how their shell
// behaves. Any XDG_* and LD_* too.
var personalVars = map[string]bool{
	"HOME": true, "USER": true, "LOGNAME": true, "SHELL": true, "PWD": true, "OLDPWD": true,
	"SHLVL": true, "TERM": true, "DISPLAY": true, "MAIL": true, "TMPDIR": true, "SSH_AUTH_SOCK": true,
	"IFS": true, "PS1": true, "PS2": true, "PS3": true, "PS4": true, "PROMPT_COMMAND": true,
	"ENV": true, "BASH_ENV": true, "CDPATH": true, "HISTFILE": true,
}

func personal(name string) bool {
	return personalVars[name] || strings.HasPrefix(name, "XDG_") || strings.HasPrefix(name, "LD_")
}

// fingerprint prints the environment's fingerprint, or with lines the
// lines it hashes, one per line.
func fingerprint(e *env.Env, lines bool, stdout io.Writer) error {
	out := e.Fingerprint()
	if lines {
		out = strings.Join(e.FingerprintLines(), "\n")
	}
	_, err := fmt.Fprintln(stdout, out)
	return err
}

// shellQuote single-quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// errDrops makes -diff exit 1.
var errDrops = errors.New("the current declaration drops what the old one had")

// diff prints, one per line, what the current declaration drops from the
// one in oldFile.
func diff(cfg *ccci.Config, oldFile string, stdout io.Writer) error {
	old, err := ccci.LoadConfig(oldFile, os.Getenv)
	if err != nil {
		return err
	}
	drops := env.Diff(old.Env, cfg.Env)
	for _, d := range drops {
		fmt.Fprintln(stdout, d)
	}
	if len(drops) > 0 {
		return fmt.Errorf("%w (%d)", errDrops, len(drops))
	}
	return nil
}
