package env

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	version "github.com/hashicorp/go-version"
)

// ErrNoVersion is wrapped by ParseVersion's error when the output holds no
// version.
var ErrNoVersion = errors.New("no version found")

// versionRE finds a dotted version not glued to a preceding digit or dot,
// with an optional "-" pre-release ("1.2.3-rc1"); a leading "v" is
// skipped. Submatch 1 is the version.
// Compiled on first use: cc-ci-run's hot path never probes versions, and
// compiling at init costs every job's start-up.
var versionRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?:^|[^0-9.])v?([0-9]+(?:\.[0-9]+)+(?:-[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*)?)`)
})

// bareRE finds a one-number version after the word "version" ("version 5").
var bareRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)\bversion:?\s+v?([0-9]+)\b`)
})

// ParseVersion finds the version in a tool's version output: the first
// dotted number ("git version 2.39.5", "git-lfs/3.3.0 (GitHub; ...)",
// "jq-1.6", "GNU bash, version 5.2.15(1)-release", "v20.20.2"), searched
// line by line from the top, else a plain number after the word
// "version". A pre-release joined by "-" is kept when go-version parses
// it ("0.10.0-beta"), dropped otherwise. tool only names the subject in
// the error, which wraps ErrNoVersion.
func ParseVersion(tool, output string) (*version.Version, error) {
	for line := range strings.Lines(output) {
		if m := versionRE().FindStringSubmatch(line); m != nil {
			return parseLoose(tool, m[1])
		}
	}
	if m := bareRE().FindStringSubmatch(output); m != nil {
		return parseLoose(tool, m[1])
	}
	return nil, fmt.Errorf("%s: %w in output %q", tool, ErrNoVersion, firstLine(output))
}

// parseLoose parses s, retrying without its pre-release when that fails.
func parseLoose(tool, s string) (*version.Version, error) {
	v, err := version.NewVersion(s)
	if err != nil {
		base, _, _ := strings.Cut(s, "-")
		v, err = version.NewVersion(base)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: parsing version %q: %w", tool, s, err)
	}
	return v, nil
}
