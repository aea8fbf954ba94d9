package recipe

import (
	"errors"
	"strings"
)

// Reasons Releases gives for tags it leaves out, besides ErrSyntax.
var (
	// ErrPrerelease: pre-releases are never releases.
	ErrPrerelease = errors.New("pre-release, not a release")
	// ErrLegacy: a tag without '+' in a recipe that has '+' tags, or one
	// with a suffix (1.14.1-rootless_1) in a recipe that has none.
	ErrLegacy = errors.New("legacy tag without '+', not a release")
)

// Compare returns -1, 0 or +1 as a has lower, equal or higher precedence
// than b: major, minor, patch, then pre-release (semver §11). The upstream
// part and a "v" prefix never decide it. The zero Version is lowest.
func Compare(a, b Version) int {
	if a.IsZero() || b.IsZero() {
		return cmpBool(!a.IsZero(), !b.IsZero())
	}
	if c := cmpUint(a.major, b.major); c != 0 {
		return c
	}
	if c := cmpUint(a.minor, b.minor); c != 0 {
		return c
	}
	if c := cmpUint(a.patch, b.patch); c != 0 {
		return c
	}
	if a.pre == b.pre {
		return 0
	}
	if a.pre == "" || b.pre == "" {
		return cmpBool(a.pre == "", b.pre == "")
	}
	return comparePre(a.pre, b.pre)
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case b:
		return -1
	}
	return 1
}

// comparePre compares dot-separated pre-release identifiers (semver §11).
func comparePre(a, b string) int {
	for a != "" && b != "" {
		var x, y string
		x, a, _ = strings.Cut(a, ".")
		y, b, _ = strings.Cut(b, ".")
		if c := compareIdent(x, y); c != 0 {
			return c
		}
	}
	return cmpBool(a != "", b != "")
}

// compareIdent: numeric identifiers numerically and below alphanumeric
// ones, alphanumeric ones in ASCII order.
func compareIdent(x, y string) int {
	nx, ny := isNumeric(x), isNumeric(y)
	switch {
	case nx && ny:
		if len(x) != len(y) {
			return cmpBool(len(x) > len(y), len(y) > len(x))
		}
	case nx != ny:
		return cmpBool(!nx, !ny)
	}
	return strings.Compare(x, y)
}

func isNumeric(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// Releases returns a recipe's release versions in ascending order (Sort),
// and every tag it left out with why: invalid tags (ErrSyntax),
// pre-releases (ErrPrerelease), and legacy tags (ErrLegacy) unless the
// recipe has no valid '+' tag at all, in which case plain X.Y.Z and vX.Y.Z tags are
// its releases. Skipped tags keep their input order.
func Releases(tags []string) (releases []Version, skipped []*TagError) {
	vs := make([]Version, len(tags))
	why := make([]string, len(tags)) // parse's reason for an invalid tag
	plus := false
	for i, t := range tags {
		vs[i], why[i] = parse(t)
		plus = plus || vs[i].class == Release || vs[i].class == Prerelease
	}
	for i, v := range vs {
		if why[i] != "" {
			skipped = append(skipped, &TagError{Tag: tags[i], Err: syntaxError(why[i])})
			continue
		}
		if err := releaseRule(tags[i], v, plus); err != nil {
			skipped = append(skipped, err)
			continue
		}
		releases = append(releases, v)
	}
	Sort(releases)
	return releases, skipped
}

// releaseRule says why tag (parsed, valid, as v) is not a release, nil
// when it is one. plus says whether the recipe has any valid '+' tag.
func releaseRule(tag string, v Version, plus bool) *TagError {
	var err error
	switch {
	case v.class == Prerelease:
		err = ErrPrerelease
	case v.class == Legacy && (plus || v.pre != ""):
		err = ErrLegacy
	default:
		return nil
	}
	return &TagError{Tag: tag, Err: err}
}

// isRelease is releaseRule(...) == nil without allocating.
func isRelease(v Version, plus bool) bool {
	return v.class == Release || v.class == Legacy && !plus && v.pre == ""
}

// Latest returns the highest-precedence release among tags (as Releases
// counts them), and false when there is none. Among releases of equal
// precedence it returns the one Sort puts last. It parses each tag once and
// does not sort.
func Latest(tags []string) (Version, bool) {
	vs := make([]Version, 0, len(tags))
	plus := false
	for _, t := range tags {
		if v, reason := parse(t); reason == "" {
			plus = plus || v.class != Legacy
			vs = append(vs, v)
		}
	}
	s := sorter{vs: vs}
	best := -1
	for i, v := range vs {
		if isRelease(v, plus) && (best < 0 || s.compare(i, best) > 0) {
			best = i
		}
	}
	if best < 0 {
		return Version{}, false
	}
	return vs[best], true
}
