// Package recipename is the one rule a recipe name follows before it
// touches a path or a command:
//
//	name = [a-z0-9] { [a-z0-9] | "." | "_" | "-" }   (at most MaxLen bytes)
//
// that is ^[a-z0-9][a-z0-9._-]*$, 1 to 128 bytes. A name can then never be
// "", ".", "..", hold a slash, start with a dash (an option to a command)
// or exceed a path component (255 bytes) once a suffix is added.
//
// It lives apart from ccci/recipe so that the config check (package ccci,
// which cc-ci-run links) applies the same rule without linking go-git.
package recipename

import (
	"errors"
	"fmt"
)

// MaxLen bounds a recipe name, in bytes.
const MaxLen = 128

// ErrName is wrapped by every error Check returns.
var ErrName = errors.New("recipe names must match ^[a-z0-9][a-z0-9._-]*$")

// Check returns nil when name follows the rule, else an error naming it
// (cut to 40 characters) and wrapping ErrName.
func Check(name string) error {
	if name == "" || len(name) > MaxLen {
		return fmt.Errorf("recipe name %.40q: %w (1 to %d bytes)", name, ErrName, MaxLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || i > 0 && (c == '.' || c == '_' || c == '-')
		if !ok {
			return fmt.Errorf("recipe name %.40q: %w", name, ErrName)
		}
	}
	return nil
}
