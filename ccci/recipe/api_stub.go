package recipe

// This file fixes the API other packages build against. The recipe package's
// owner replaces it with the real implementation (same names and signatures).

import (
	"context"
	"errors"
)

var errTODO = errors.New("unimplemented")

// Class is the kind of a recipe tag.
type Class int

const (
	Release    Class = iota + 1 // MAJOR.MINOR.PATCH+UPSTREAM
	Prerelease                  // MAJOR.MINOR.PATCH-PRE+UPSTREAM
	Legacy                      // no '+': 1.14.1-rootless_1, v2.4.8, 1.0.0
)

// Version is one parsed recipe tag. The zero Version is "no version".
type Version struct{ raw string }

func Parse(tag string) (Version, error)               { return Version{}, &TagError{Tag: tag, Err: errTODO} }
func (v Version) String() string                      { return v.raw }
func (v Version) Class() Class                        { return 0 }
func (v Version) IsZero() bool                        { return v.raw == "" }
func (v Version) Upstream() string                    { return "" }
func Compare(a, b Version) int                        { return 0 }
func Sort(vs []Version)                               {}
func Releases(tags []string) ([]Version, []*TagError) { return nil, nil }
func Latest(tags []string) (Version, bool)            { return Version{}, false }

func (v Version) MarshalText() ([]byte, error) { return []byte(v.raw), nil }
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

// TagError says why a tag is not a usable version.
type TagError struct {
	Tag string
	Err error
}

func (e *TagError) Error() string { return "tag " + e.Tag + ": " + e.Err.Error() }
func (e *TagError) Unwrap() error { return e.Err }

// Tag is a tag name and the commit it points to (annotated tags peeled), hex.
type Tag struct {
	Name   string
	Commit string
}

func LocalTags(ctx context.Context, dir string) ([]Tag, error)        { return nil, errTODO }
func LocalTagNames(ctx context.Context, dir string) ([]string, error) { return nil, errTODO }
func PeelTag(ctx context.Context, dir, name string) (string, error)   { return "", errTODO }
func RemoteTags(ctx context.Context, url string) ([]Tag, error)       { return nil, errTODO }

// Recipe is one enrolled recipe.
type Recipe struct {
	Name       string // validated with ValidName
	Dir        string // local clone, "" when only a repository URL is known
	Repository string // remote URL, "" when unknown
}

func ValidName(name string) error                  { return errTODO }
func DefaultDir(getenv func(string) string) string { return "" }
func FromDir(dir string) (recipes []Recipe, skipped []error, err error) {
	return nil, nil, errTODO
}
func FromCatalogue(path string) (recipes []Recipe, skipped []error, err error) {
	return nil, nil, errTODO
}

// Clone makes dst a clone of src (a local clone or a URL) whose work tree
// is checked out, detached, at commit. dst must not exist or be empty.
func Clone(ctx context.Context, src, dst, commit string) error { return errTODO }

// Fetch updates a clone's tags and default branch from its "origin" remote.
func Fetch(ctx context.Context, dir string) error { return errTODO }
