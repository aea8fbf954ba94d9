package recipe

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Class is the kind of a recipe tag.
type Class int

const (
	Release    Class = iota + 1 // MAJOR.MINOR.PATCH+UPSTREAM
	Prerelease                  // MAJOR.MINOR.PATCH-PRE+UPSTREAM
	Legacy                      // no '+': 1.14.1-rootless_1, v2.4.8, 1.0.0
)

// String returns "release", "prerelease", "legacy", or "invalid" for the
// zero Class.
func (c Class) String() string {
	switch c {
	case Release:
		return "release"
	case Prerelease:
		return "prerelease"
	case Legacy:
		return "legacy"
	}
	return "invalid"
}

// MaxTagLen is the longest tag Parse accepts, in bytes.
const MaxTagLen = 256

// Version is one parsed recipe tag. The zero Version is "no version".
// Versions are comparable with ==, which means identical tags; Compare gives
// precedence.
type Version struct {
	raw                 string
	major, minor, patch uint64
	pre                 string // pre-release (or legacy suffix), "" when none
	upstream            string // after the first '+', "" for legacy tags
	class               Class
}

// ErrSyntax is wrapped by every error Parse returns for a tag that is not a
// recipe version.
var ErrSyntax = errors.New("invalid recipe version")

// syntaxError is a reason a tag is not a version; it Is ErrSyntax.
type syntaxError string

func (e syntaxError) Error() string        { return string(e) }
func (e syntaxError) Is(target error) bool { return target == ErrSyntax }

// TagError says why a tag is not a usable version.
type TagError struct {
	Tag string
	Err error
}

// Error quotes the tag, shortened to 64 bytes, and gives the reason.
func (e *TagError) Error() string {
	t := e.Tag
	if len(t) > 64 {
		t = t[:64] + "..."
	}
	return "tag " + strconv.Quote(t) + ": " + e.Err.Error()
}

// Unwrap returns the reason.
func (e *TagError) Unwrap() error { return e.Err }

// Parse parses a recipe tag with the grammar in the package doc. Errors are
// *TagError wrapping ErrSyntax.
func Parse(tag string) (Version, error) {
	v, reason := parse(tag)
	if reason != "" {
		return Version{}, &TagError{Tag: tag, Err: syntaxError(reason)}
	}
	return v, nil
}

func parse(tag string) (Version, string) {
	if reason := checkText(tag); reason != "" {
		return Version{}, reason
	}
	v := Version{raw: tag, class: Legacy}
	left := tag
	if i := strings.IndexByte(tag, '+'); i >= 0 {
		left, v.upstream = tag[:i], tag[i+1:]
		if reason := checkUpstream(v.upstream); reason != "" {
			return Version{}, reason
		}
		v.class = Release
	}
	if left == "" {
		return Version{}, "no recipe version before '+'"
	}
	rest, reason := v.parseCore(strings.TrimPrefix(left, "v"))
	if reason != "" {
		return Version{}, "recipe version " + strconv.Quote(left) + " " + reason
	}
	if rest == "" {
		return v, ""
	}
	if rest[0] != '-' {
		return Version{}, "recipe version " + strconv.Quote(left) + " has " + strconv.Quote(rest) + " after MAJOR.MINOR.PATCH"
	}
	v.pre = rest[1:]
	if v.class == Legacy {
		reason = checkLegacySuffix(v.pre)
	} else {
		reason = checkPre(v.pre)
		v.class = Prerelease
	}
	if reason != "" {
		return Version{}, "pre-release " + strconv.Quote(v.pre) + " " + reason
	}
	return v, ""
}

// checkText refuses tags that are no text at all.
func checkText(tag string) string {
	switch {
	case tag == "":
		return "empty tag"
	case len(tag) > MaxTagLen:
		return "longer than " + strconv.Itoa(MaxTagLen) + " bytes"
	case !utf8.ValidString(tag):
		return "not valid UTF-8"
	}
	for i := 0; i < len(tag); i++ {
		if c := tag[i]; c <= ' ' || c == 0x7f {
			return "contains space or control character " + strconv.QuoteRune(rune(c))
		}
	}
	return ""
}

// parseCore parses MAJOR.MINOR.PATCH at the start of s and returns the rest.
func (v *Version) parseCore(s string) (string, string) {
	var reason string
	for i, p := range []*uint64{&v.major, &v.minor, &v.patch} {
		if i > 0 {
			if s == "" || s[0] != '.' {
				return "", "is not MAJOR.MINOR.PATCH"
			}
			s = s[1:]
		}
		if *p, s, reason = parseNumber(s); reason != "" {
			return "", reason
		}
	}
	return s, ""
}

// parseNumber parses a number without leading zeros that fits uint64.
func parseNumber(s string) (uint64, string, string) {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	switch {
	case i == 0:
		return 0, "", "is not MAJOR.MINOR.PATCH"
	case i > 1 && s[0] == '0':
		return 0, "", "has a number with a leading zero"
	}
	n, err := strconv.ParseUint(s[:i], 10, 64)
	if err != nil {
		return 0, "", "has a number larger than 2^64-1"
	}
	return n, s[i:], ""
}

// checkPre checks semver pre-release identifiers.
func checkPre(pre string) string {
	for id := range strings.SplitSeq(pre, ".") {
		if id == "" {
			return "has an empty identifier"
		}
		numeric := true
		for i := 0; i < len(id); i++ {
			c := id[i]
			if !isDigit(c) {
				numeric = false
				if !isAlnum(c) && c != '-' {
					return "has " + strconv.QuoteRune(rune(c))
				}
			}
		}
		if numeric && len(id) > 1 && id[0] == '0' {
			return "has a number with a leading zero"
		}
	}
	return ""
}

// checkLegacySuffix checks the suffix of a tag without '+'.
func checkLegacySuffix(s string) string {
	if s == "" {
		return "is empty"
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isTagChar(c) {
			return "has " + strconv.QuoteRune(rune(c))
		}
	}
	return ""
}

// checkUpstream checks the part after the first '+'.
func checkUpstream(up string) string {
	if up == "" {
		return "no upstream version after '+'"
	}
	for i := 0; i < len(up); i++ {
		c := up[i]
		if c == '+' {
			return "more than one '+'"
		}
		if !isTagChar(c) {
			return "upstream " + strconv.Quote(up) + " has " + strconv.QuoteRune(rune(c))
		}
	}
	if isDescribe(up) {
		return "upstream " + strconv.Quote(up) + " is `git describe` output"
	}
	return ""
}

// isDescribe reports whether s ends in git describe's -N-gHEX[-dirty].
func isDescribe(s string) bool {
	s = strings.TrimSuffix(s, "-dirty")
	g := strings.LastIndex(s, "-g")
	if g < 0 || len(s)-g-2 < 4 {
		return false
	}
	for i := g + 2; i < len(s); i++ {
		if !isDigit(s[i]) && (s[i] < 'a' || s[i] > 'f') {
			return false
		}
	}
	n := strings.LastIndexByte(s[:g], '-')
	if n < 0 || n+1 == g {
		return false
	}
	for i := n + 1; i < g; i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool   { return '0' <= c && c <= '9' }
func isAlnum(c byte) bool   { return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isTagChar(c byte) bool { return isAlnum(c) || c == '_' || c == '.' || c == '-' }

// String returns the tag exactly as written.
func (v Version) String() string { return v.raw }

// Class returns the kind of tag, 0 for the zero Version.
func (v Version) Class() Class { return v.class }

// IsZero reports whether v is the zero Version.
func (v Version) IsZero() bool { return v.raw == "" }

// Upstream returns the part after the first '+', "" for legacy tags.
func (v Version) Upstream() string { return v.upstream }

// Major returns the recipe version's major number.
func (v Version) Major() uint64 { return v.major }

// Minor returns the recipe version's minor number.
func (v Version) Minor() uint64 { return v.minor }

// Patch returns the recipe version's patch number.
func (v Version) Patch() uint64 { return v.patch }

// Prerelease returns the pre-release (or a legacy tag's suffix), "" when none.
func (v Version) Prerelease() string { return v.pre }

// MarshalText returns the tag as written; the zero Version gives "".
func (v Version) MarshalText() ([]byte, error) { return []byte(v.raw), nil }

// UnmarshalText parses a tag; "" gives the zero Version.
func (v *Version) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*v = Version{}
		return nil
	}
	p, err := Parse(string(b))
	if err != nil {
		return err
	}
	*v = p
	return nil
}
