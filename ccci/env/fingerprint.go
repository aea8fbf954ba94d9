package env

import (
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
)

// Fingerprint prefixes; each names its format version.
const (
	FingerprintPrefix        = "e1:" // Spec.Fingerprint "paths" (or "")
	ContentFingerprintPrefix = "e2:" // Spec.Fingerprint "content"
)

// Fingerprint proves that two processes run in the same environment: the
// same declaration resolved to the same files gives the same fingerprint,
// whichever binary computes it. It does not depend on the caller's
// environment, nor on Spec.RuntimeDir. Spec.Fingerprint picks the format.
//
// Format "e1" (paths): it changes when a directory, a declared variable,
// a pass glob, strict mode or a tool's resolved path changes, and reads no
// files (the paths come from Resolve). The lines
//
//	dir <index> <directory>     one per Spec.Path entry, index from 0 (order matters)
//	tool <name> <resolved>      one per tool in Tools (resolved path, symlinks followed)
//	var <NAME>=<value>          one per Spec.Vars entry
//	pass <glob>                 one per Spec.Pass entry (the glob, never a caller's value)
//	strict                      when Spec.Strict (the job sees only declared tools)
//
// in which every backslash in a field is written "\\" and every newline
// "\n", are sorted bytewise, each terminated by "\n", and hashed with
// SHA-256. The fingerprint is "e1:" followed by the hash in unpadded
// URL-safe base64 (base64.RawURLEncoding, 43 characters).
//
// Format "e2" (content): the lines of e1 and
//
//	sha256 <name> <hex>         one per tool in Tools: the SHA-256 of its resolved file, 64 lowercase hex digits
//
// sorted, terminated and hashed the same way; "e2:" and 43 characters.
// It also changes when one byte of a tool changes, and is equal on two
// hosts whose tools have the same paths and contents, whatever their
// inodes. Resolve computes the hashes (see its doc for the cache); on an
// Env built by hand they are read when Fingerprint is called, and a file
// that cannot be read gives the line "sha256 <name> -".
//
// FingerprintLines returns the lines, so that two hosts can be compared
// with diff.
func (e *Env) Fingerprint() string { return e.fingerprintOf(e.Spec.Fingerprint) }

// FingerprintLines returns the sorted lines that Fingerprint hashes.
func (e *Env) FingerprintLines() []string { return e.fingerprintLines(e.Spec.Fingerprint) }

func (e *Env) fingerprintOf(format string) string {
	h := sha256.New()
	for _, line := range e.fingerprintLines(format) {
		h.Write([]byte(line))
		h.Write([]byte{'\n'})
	}
	prefix := FingerprintPrefix
	if format == FingerprintContent {
		prefix = ContentFingerprintPrefix
	}
	return prefix + base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// fingerprintLines returns the sorted lines of the format.
func (e *Env) fingerprintLines(format string) []string {
	lines := make([]string, 0, len(e.Spec.Path)+2*len(e.Tools)+len(e.Spec.Vars)+len(e.Spec.Pass)+1)
	for i, dir := range e.Spec.Path {
		lines = append(lines, "dir "+strconv.Itoa(i)+" "+escape(dir))
	}
	for tool, resolved := range e.Tools {
		lines = append(lines, "tool "+escape(tool)+" "+escape(resolved))
		if format == FingerprintContent {
			lines = append(lines, "sha256 "+escape(tool)+" "+e.hash(tool))
		}
	}
	for name, value := range e.Spec.Vars {
		lines = append(lines, "var "+escape(name)+"="+escape(value))
	}
	for _, glob := range e.Spec.Pass {
		lines = append(lines, "pass "+escape(glob))
	}
	if e.Spec.Strict {
		lines = append(lines, "strict")
	}
	slices.Sort(lines)
	return lines
}

// hash is the tool's hex SHA-256: from Resolve, else read now.
func (e *Env) hash(tool string) string {
	if sum, ok := e.hashes[tool]; ok {
		return sum
	}
	sum, _, err := hashFile(e.Tools[tool])
	if err != nil {
		return "-"
	}
	return sum
}

var escaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`)

// escape keeps a field on one line and unambiguous.
func escape(s string) string {
	if !strings.ContainsAny(s, "\\\n") {
		return s
	}
	return escaper.Replace(s)
}
