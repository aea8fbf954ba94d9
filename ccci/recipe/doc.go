// Package recipe reads Co-op Cloud recipe versions, the tags they come from,
// and the recipes themselves.
//
// # Versions
//
// A recipe release tag is the recipe's own semantic version, a '+', and the
// upstream image tag it packages: 3.6.0+1.24.2, 5.0.3+27.0.1-fpm,
// 2.0.1+1.0.5-social-amd64. Parse splits a tag on its first '+' and parses
// the left part with this grammar (semver 2.0.0 without build metadata; a
// leading "v" is accepted and kept in String):
//
//	tag      = recipe [ "+" upstream ]
//	recipe   = [ "v" ] number "." number "." number [ "-" pre ]
//	number   = "0" | digit19 { digit }          (at most 2^64-1)
//	pre      = ident { "." ident }
//	ident    = "0" | digit19 { digit }           numeric, no leading zero
//	         | { alnum | "-" } with a non-digit  alphanumeric
//	upstream = tagchar { tagchar }               a Docker tag: [A-Za-z0-9_.-]
//
// A tag is at most 256 bytes. The class of a tag follows from its shape:
//
//	Release     recipe without pre, with "+": 3.0.10+1.10.8
//	Prerelease  recipe with pre, with "+":    1.0.0-rc.1+2.3
//	Legacy      no "+" (the 2021 scheme):     v2.4.8, 1.14.1-rootless_1
//
// A legacy tag's suffix after "-" may also hold '_' (1.14.1-rootless_1);
// it ranks like a pre-release. Anything else is invalid and Parse returns a
// *TagError saying why, wrapping ErrSyntax. In particular these strings,
// which real recipe repositories and labels contain, are never versions:
// a second '+' (0.2.0+v0.40.3.0+v0.4.219), an upstream ending in `git
// describe` output (0.7.0+3.3.1-9-g7ae7b0f) and chaos stamps whose left part
// is not a version (7ae7b0f7+U).
//
// Compare orders versions by precedence only: major, minor, patch, then the
// pre-release (semver §11). The upstream part never decides it, so
// 3.5.3+1.24.2 and 3.5.3+1.25.0 are equal but not identical (==). Sort breaks
// such ties deterministically by the upstream part (compared with
// hashicorp/go-version where it parses), then by the raw tag.
//
// Releases applies the class rules to a recipe's tags: legacy tags are left
// out when any valid tag has a '+' (an invalid one such as 7ae7b0f7+U does
// not count); when none has, plain X.Y.Z and vX.Y.Z tags are the releases; pre-releases and invalid tags are always left out, each with
// its reason. Latest is the highest-precedence release, never the newest by
// date: 5.0.3+27.0.1-fpm tagged after 6.0.1+28.0.2-fpm does not replace it.
//
// # Tags
//
// LocalTags and LocalTagNames read a clone's tags with go-git (loose and
// packed refs; annotated tags peeled to their commit) and never run git.
// RemoteTags lists a remote's tags without cloning; RemoteTagsAll lists many
// with bounded concurrency. Clone and Fetch give the sweep fresh clones
// checked out at a tag's commit. Clone copies a local repository's object
// files, as git clone --local does (packing them again would cost more
// than git itself); otherwise local paths and file:// URLs are served by
// go-git's upload-pack server inside the process (this package installs
// it for the "file" scheme). Reading a local repository thus starts no
// program and passes no environment anywhere; other URLs are spoken to
// directly.
//
// # Recipes
//
// FromDir enrols each git repository in a folder of clones (the config
// defaults it to $ABRA_DIR/recipes, else ~/.abra/recipes); FromCatalogue
// reads a recipes.json catalogue. Names are checked with ValidName
// (^[a-z0-9][a-z0-9._-]*$) before they touch a path or a command; a bad one is
// reported and skipped, never fatal.
//
// The package is silent: it prints nothing and logs nothing.
package recipe
