package recipe

// This file holds the part of the fixed API not implemented yet.

import (
	"context"
	"errors"
)

var errTODO = errors.New("unimplemented")

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
