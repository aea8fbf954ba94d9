package recipe

// This file holds the part of the fixed API not implemented yet.

import (
	"context"
	"errors"
)

var errTODO = errors.New("unimplemented")

// Clone makes dst a clone of src (a local clone or a URL) whose work tree
// is checked out, detached, at commit. dst must not exist or be empty.
func Clone(ctx context.Context, src, dst, commit string) error { return errTODO }

// Fetch updates a clone's tags and default branch from its "origin" remote.
func Fetch(ctx context.Context, dir string) error { return errTODO }
