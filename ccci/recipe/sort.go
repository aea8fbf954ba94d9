package recipe

import (
	"slices"
	"strings"

	goversion "github.com/hashicorp/go-version"
)

// Sort sorts vs in ascending precedence. Versions of equal precedence are
// ordered by their upstream part (compared as hashicorp/go-version does
// where it parses, those that parse first), then by the raw tag, so the
// order is total and does not depend on the input order.
//
// It sorts small keys rather than whole Versions, and compares upstream
// parts made only of dotted numbers without parsing them.
func Sort(vs []Version) {
	if len(vs) < 2 {
		return
	}
	s := sorter{vs: vs}
	keys := make([]sortKey, len(vs))
	for i, v := range vs {
		keys[i] = sortKey{v.major, v.minor, v.patch, i}
	}
	slices.SortFunc(keys, func(a, b sortKey) int {
		if c := cmpUint(a.major, b.major); c != 0 {
			return c
		}
		if c := cmpUint(a.minor, b.minor); c != 0 {
			return c
		}
		if c := cmpUint(a.patch, b.patch); c != 0 {
			return c
		}
		return s.compare(a.i, b.i)
	})
	out := make([]Version, len(vs))
	for i, k := range keys {
		out[i] = vs[k.i]
	}
	copy(vs, out)
}

// sortKey is the part of vs[i] that usually decides the order.
type sortKey struct {
	major, minor, patch uint64
	i                   int
}

// sorter compares versions of vs by index, in Sort's total order, parsing
// each upstream part with go-version at most once.
type sorter struct {
	vs     []Version
	parsed []*goversion.Version // by index; nil until needed
	tried  []bool
}

// compare is the total order: precedence, upstream, raw tag.
func (s *sorter) compare(i, j int) int {
	a, b := &s.vs[i], &s.vs[j]
	if c := Compare(*a, *b); c != 0 {
		return c
	}
	if a.upstream != b.upstream {
		if c := s.compareUpstream(i, j); c != 0 {
			return c
		}
		if c := strings.Compare(a.upstream, b.upstream); c != 0 {
			return c
		}
	}
	return strings.Compare(a.raw, b.raw)
}

// compareUpstream compares upstream parts as go-version does; parts it
// cannot parse come after those it can, and compare as 0 among themselves.
func (s *sorter) compareUpstream(i, j int) int {
	a, b := s.vs[i].upstream, s.vs[j].upstream
	if c, ok := compareDotted(a, b); ok {
		return c
	}
	x, y := s.goVersion(i), s.goVersion(j)
	switch {
	case x != nil && y != nil:
		return x.Compare(y)
	case x != nil || y != nil:
		return cmpBool(x == nil, y == nil)
	}
	return 0
}

// goVersion returns vs[i]'s upstream parsed by go-version, nil when it
// does not parse.
func (s *sorter) goVersion(i int) *goversion.Version {
	if s.parsed == nil {
		s.parsed = make([]*goversion.Version, len(s.vs))
		s.tried = make([]bool, len(s.vs))
	}
	if !s.tried[i] {
		s.tried[i] = true
		if up := s.vs[i].upstream; up != "" {
			s.parsed[i], _ = goversion.NewVersion(up)
		}
	}
	return s.parsed[i]
}

// compareDotted compares two strings made of dot-separated decimal numbers
// (each at most 18 digits) numerically, missing numbers counting as 0:
// what go-version gives for them. ok is false when either is not such a
// string.
func compareDotted(a, b string) (c int, ok bool) {
	if a == "" || b == "" {
		return 0, false
	}
	for a != "" || b != "" {
		var x, y uint64
		if x, a, ok = dottedNext(a); !ok {
			return 0, false
		}
		if y, b, ok = dottedNext(b); !ok {
			return 0, false
		}
		if c == 0 {
			c = cmpUint(x, y)
		}
	}
	return c, true
}

// dottedNext reads one number and its following dot from s; "" reads as 0.
func dottedNext(s string) (uint64, string, bool) {
	if s == "" {
		return 0, "", true
	}
	var n uint64
	i := 0
	for ; i < len(s) && isDigit(s[i]); i++ {
		n = n*10 + uint64(s[i]-'0')
	}
	switch {
	case i == 0 || i > 18:
		return 0, "", false
	case i == len(s):
		return n, "", true
	case s[i] != '.' || i+1 == len(s):
		return 0, "", false
	}
	return n, s[i+1:], true
}
