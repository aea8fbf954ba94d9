package ccci

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"coopcloud.tech/cc-ci/internal/bytesize"
)

// ParseConfig decodes data, the contents of file, strictly: an unknown key,
// a value of the wrong type or an invalid value is a *ConfigError naming
// file:line and the key. Several problems come back joined (errors.Join),
// one line each, in file order. Unset [sweep] fields get their defaults;
// getenv (os.Getenv when nil) gives HOME and ABRA_DIR for them.
func ParseConfig(file string, data []byte, getenv func(string) string) (*Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	var raw map[string]toml.Primitive
	md, err := toml.Decode(string(data), &raw)
	if err != nil {
		return nil, syntaxError(file, err)
	}
	d := &decoder{md: &md, raw: raw}
	c := &Config{File: file, Sweep: newSweep()}
	for _, name := range sortedKeys(raw) {
		switch name {
		case "env":
			d.section(name, envFields(c))
		case "sweep":
			d.section(name, sweepFields(c))
		case "drone":
			d.section(name, droneFields(c))
		default:
			d.unknownKey(toml.Key{name})
		}
	}
	if d.typeErrors == 0 { // values are as written: check them
		d.validate(c)
	}
	if len(d.problems) == 0 {
		if name, err := c.Sweep.setDefaults(getenv); err != nil {
			d.add(toml.Key{"sweep", name}, fmt.Errorf("sweep.%s: %w", name, err))
		}
		if err := c.setDroneDefaults(md.IsDefined("drone"), getenv); err != nil {
			d.add(toml.Key{"drone", "token_file"}, fmt.Errorf("drone.token_file: %w", err))
		}
	}
	if len(d.problems) == 0 {
		d.setRuntime(c)
	}
	if err := d.err(file); err != nil {
		return nil, err
	}
	c.lines = d.keyLines()
	return c, nil
}

// keyLines maps each key the file sets ("sweep.exclude") to its line, so
// that a problem found later (a name that is not enrolled) can still say
// file:line.
func (d *decoder) keyLines() map[string]int {
	lines := map[string]int{}
	for _, k := range d.md.Keys() {
		if len(k) == 2 {
			lines[k.String()] = d.line(k)
		}
	}
	return lines
}

// syntaxError turns a TOML syntax error into file:line: message.
func syntaxError(file string, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return &ConfigError{File: file, Line: pe.Position.Line, Err: errors.New(pe.Message)}
	}
	return &ConfigError{File: file, Line: 1, Err: err}
}

// field is one known key: where its value goes and what it must be.
type field struct {
	name string
	want string // "an array of strings": the type error says so
	dst  any
}

// tomlType is the TOML type (as MetaData.Type names it) a field's want
// stands for.
func (f field) tomlType() string {
	switch {
	case strings.HasPrefix(f.want, "an array"):
		return "Array"
	case strings.HasPrefix(f.want, "a table"):
		return "Hash"
	case f.want == "an integer":
		return "Integer"
	case f.want == "a boolean":
		return "Bool"
	}
	return "String"
}

func envFields(c *Config) []field {
	e := &c.Env
	return []field{
		{"path", "an array of strings", &e.Path},
		{"tools", "an array of strings", &e.Tools},
		{"pass", "an array of strings", &e.Pass},
		{"vars", "a table of strings", &e.Vars},
		{"require", "a table of strings", &e.Require},
		{"version_flags", "a table of strings", &e.VersionFlags},
		{"secrets", "an array of strings", &e.Secrets},

		// The runtime environment's modes (issue 13).
		{"strict", "a boolean", &e.Strict},
		{"fingerprint", `"paths" or "content"`, &e.Fingerprint},
	}
}

func sweepFields(c *Config) []field {
	s := &c.Sweep
	return []field{
		{"recipes", "a string", &s.Recipes},
		{"catalogue", "a string", &s.Catalogue},
		{"exclude", "an array of strings", &s.Exclude},
		{"state", "a string", &s.State},
		{"runs", "a string", &s.Runs},
		{"run", "an array of strings", &s.Run},
		{"jobs", "an integer", &s.Jobs},
		{"timeout", `a duration string like "60m"`, (*duration)(&s.Timeout)},
		{"grace", `a duration string like "30s"`, (*duration)(&s.Grace)},
		{"defer", `a duration string like "2h"`, (*duration)(&s.Defer)},
		{"lockdir", "a string", &s.Lockdir},
		{"sync", "a boolean", &s.Sync},
		{"notify", "an array of strings", &s.Notify},
		{"history", "an integer", &s.History},
		{"log_tail", "an integer", &s.LogTail},

		{"executor", "a string", &s.Executor},

		// running for months
		{"keep", "an integer", &s.Keep},
		{"min_free", `a size string like "5GiB"`, (*byteSize)(&s.MinFree)},
		{"disk_paths", "an array of strings", &s.DiskPaths},
		{"retries", "an integer", &s.Retries},
		{"metrics", "a string", &s.Metrics},
	}
}

// byteSize decodes a TOML string such as "5GiB" with bytesize.Parse.
type byteSize int64

func (b *byteSize) UnmarshalText(text []byte) error {
	n, err := bytesize.Parse(string(text))
	if err != nil {
		return fmt.Errorf("not a size: %q", text)
	}
	*b = byteSize(n)
	return nil
}

// duration decodes a TOML string such as "60m" with time.ParseDuration.
type duration time.Duration

func (d *duration) UnmarshalText(b []byte) error {
	x, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("not a duration: %q", b)
	}
	*d = duration(x)
	return nil
}

// problem is one error about a key; its line is looked up at the end,
// because looking it up marks keys as decoded.
type problem struct {
	key toml.Key
	err error
}

type decoder struct {
	md       *toml.MetaData
	raw      map[string]toml.Primitive
	problems []problem

	typeErrors int // values left unset because they had the wrong type
}

func (d *decoder) add(key toml.Key, err error) {
	d.problems = append(d.problems, problem{key, err})
}

// section decodes the known keys of one top-level table.
func (d *decoder) section(name string, fields []field) {
	p, ok := d.raw[name]
	if !ok {
		return
	}
	var m map[string]toml.Primitive
	if t := d.md.Type(name); (t != "Hash" && t != "") || d.md.PrimitiveDecode(p, &m) != nil {
		d.add(toml.Key{name}, fmt.Errorf("%s: want a table, found %s", name, d.typeOf(name)))
		d.typeErrors++
		return
	}
	for _, key := range sortedKeys(m) {
		i := slices.IndexFunc(fields, func(f field) bool { return f.name == key })
		if i < 0 {
			d.unknownKey(toml.Key{name, key})
			continue
		}
		k := toml.Key{name, key}
		if t := d.md.Type(k...); t != fields[i].tomlType() {
			d.add(k, fmt.Errorf("%s: want %s, found %s", k, fields[i].want, d.typeOf(k...)))
			d.typeErrors++
		} else if err := d.md.PrimitiveDecode(m[key], fields[i].dst); err != nil {
			d.add(d.typeError(k, fields[i].want, err))
			d.typeErrors++
		}
	}
}

// typeError says what a key of the right TOML type holds that does not
// fit: a value that does not parse, or the entry of a table that is not a
// string. It returns the key the error is about.
func (d *decoder) typeError(key toml.Key, want string, err error) (toml.Key, error) {
	var pe toml.ParseError
	if errors.As(err, &pe) { // a value of the right type that does not parse
		return key, fmt.Errorf("%s: want %s: %s", key, want, pe.Message)
	}
	if d.md.Type(key...) == "Hash" {
		for _, k := range d.md.Keys() {
			if len(k) == len(key)+1 && isPrefix(key, k) && d.md.Type(k...) != "String" {
				return k, fmt.Errorf("%s: want a string, found %s", k, d.typeOf(k...))
			}
		}
	}
	if d.md.Type(key...) == "Array" {
		return key, fmt.Errorf("%s: want %s, found an array holding other values", key, want)
	}
	return key, fmt.Errorf("%s: want %s, found %s", key, want, d.typeOf(key...))
}

// typeOf names a key's TOML type in lower case ("table" for "Hash").
func (d *decoder) typeOf(key ...string) string {
	t := strings.ToLower(d.md.Type(key...))
	switch t {
	case "hash":
		return "a table"
	case "arrayhash":
		return "an array of tables"
	case "array":
		return "an array"
	case "integer":
		return "an integer"
	case "":
		return "nothing"
	}
	return "a " + t
}

// unknownKey reports a key that no field takes.
func (d *decoder) unknownKey(key toml.Key) {
	d.add(key, fmt.Errorf("unknown key %q", key.String()))
}

func isPrefix(p, k toml.Key) bool {
	return len(p) <= len(k) && slices.Equal(p, k[:len(p)])
}

// err resolves each problem's line and joins them in file order.
func (d *decoder) err(file string) error {
	if len(d.problems) == 0 {
		return nil
	}
	errs := make([]*ConfigError, len(d.problems))
	for i, p := range d.problems {
		errs[i] = &ConfigError{File: file, Line: d.line(p.key), Err: p.err}
	}
	slices.SortStableFunc(errs, func(a, b *ConfigError) int { return cmp.Compare(a.Line, b.Line) })
	if len(errs) == 1 {
		return errs[0]
	}
	all := make([]error, len(errs))
	for i, e := range errs {
		all[i] = e
	}
	return errors.Join(all...)
}

// line is the line where key is defined: the position BurntSushi/toml
// records for it, read back through a value that refuses to decode. A
// table only implied by a dotted header ([a.b] implies a) has no line of
// its own; the first of its keys that has one is used. When nothing is
// found the line is 1, so the error still reads file:line.
func (d *decoder) line(key toml.Key) int {
	if n := d.keyLine(key); n > 0 {
		return n
	}
	for _, k := range d.md.Keys() {
		if len(k) > len(key) && isPrefix(key, k) {
			if n := d.keyLine(k); n > 0 {
				return n
			}
		}
	}
	return 1
}

func (d *decoder) keyLine(key toml.Key) int {
	m := d.raw
	var p toml.Primitive
	for i, k := range key {
		var ok bool
		if p, ok = m[k]; !ok {
			return 0
		}
		if i < len(key)-1 {
			m = nil
			if d.md.PrimitiveDecode(p, &m) != nil {
				return 0
			}
		}
	}
	var pe toml.ParseError
	if errors.As(d.md.PrimitiveDecode(p, &lineProbe{}), &pe) {
		return pe.Position.Line
	}
	return 0
}

// lineProbe fails to decode anything, so that the decoder returns a
// ParseError carrying the position of the key being decoded.
type lineProbe struct{}

func (lineProbe) UnmarshalTOML(any) error { return errors.New("probe") }
