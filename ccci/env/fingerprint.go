package env

import (
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
)

// FingerprintPrefix starts every fingerprint; it names the format version.
const FingerprintPrefix = "e1:"

// Fingerprint proves that two processes run in the same environment: the
// same declaration resolved to the same files gives the same fingerprint,
// whichever binary computes it; it changes when a directory, a declared
// variable, a pass glob or a tool's resolved path changes. It reads no
// files (the paths come from Resolve) and does not depend on the caller's
// environment.
//
// Format "e1": the lines
//
//	dir <index> <directory>     one per Spec.Path entry, index from 0 (order matters)
//	tool <name> <resolved>      one per tool in Tools (resolved path, symlinks followed)
//	var <NAME>=<value>          one per Spec.Vars entry
//	pass <glob>                 one per Spec.Pass entry (the glob, never a caller's value)
//
// in which every backslash in a field is written "\\" and every newline
// "\n", are sorted bytewise, each terminated by "\n", and hashed with
// SHA-256. The fingerprint is "e1:" followed by the hash in unpadded
// URL-safe base64 (base64.RawURLEncoding, 43 characters).
func (e *Env) Fingerprint() string {
	lines := e.fingerprintLines()
	h := sha256.New()
	for _, line := range lines {
		h.Write([]byte(line))
		h.Write([]byte{'\n'})
	}
	return FingerprintPrefix + base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// fingerprintLines returns the sorted lines Fingerprint hashes.
func (e *Env) fingerprintLines() []string {
	lines := make([]string, 0, len(e.Spec.Path)+len(e.Tools)+len(e.Spec.Vars)+len(e.Spec.Pass))
	for i, dir := range e.Spec.Path {
		lines = append(lines, "dir "+strconv.Itoa(i)+" "+escape(dir))
	}
	for tool, resolved := range e.Tools {
		lines = append(lines, "tool "+escape(tool)+" "+escape(resolved))
	}
	for name, value := range e.Spec.Vars {
		lines = append(lines, "var "+escape(name)+"="+escape(value))
	}
	for _, glob := range e.Spec.Pass {
		lines = append(lines, "pass "+escape(glob))
	}
	slices.Sort(lines)
	return lines
}

var escaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`)

// escape keeps a field on one line and unambiguous.
func escape(s string) string {
	if !strings.ContainsAny(s, "\\\n") {
		return s
	}
	return escaper.Replace(s)
}
