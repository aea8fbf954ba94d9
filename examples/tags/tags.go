package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"coopcloud.tech/cc-ci/ccci/recipe"
)

// group is a list of tags printed together.
type group struct {
	title string
	tags  []string
}

// builtin holds the real Co-op Cloud tags of issue 2, grouped by the rule
// they show, each list in the order the tags were made or listed.
var builtin = []group{
	{"string order is wrong", []string{"3.0.10+1.10.8", "3.0.9+1.10.7"}},
	{"a back-port tagged after the latest", []string{"5.0.2+27.0.1-fpm", "6.0.1+28.0.2-fpm", "5.0.3+27.0.1-fpm"}},
	{"upstream with suffixes", []string{"2.0.1+1.0.6-social-amd64", "1.0.0+1.0.5-social-amd64", "2.0.0+1.0.5-social-amd64"}},
	{"legacy tags beside '+' tags", []string{"1.14.1-rootless", "1.14.1-rootless_1", "v2.4.8", "1.1.0+1.15", "3.0.1+v2.0.0"}},
	{"no '+' tags at all", []string{"v1.0.0", "v1.0.3", "v1.0.1", "v1.0.2"}},
	{"never versions", []string{"0.2.0+v0.40.3.0+v0.4.219", "0.7.0+3.3.1-9-g7ae7b0f", "0.2.0+v0.4-4-gb2d86ef", "7ae7b0f7+U"}},
}

// errUsage is bad usage; run prints the usage and exits 2.
var errUsage = errors.New("usage: tags [DIR | -]")

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tags", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, errUsage) }
	if err := fs.Parse(args); err != nil {
		return 2
	}
	groups, err := load(ctx, fs.Args(), stdin)
	if errors.Is(err, errUsage) {
		fs.Usage()
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "tags:", err)
		return 1
	}
	for i, g := range groups {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		write(stdout, g)
	}
	return 0
}

// load returns the groups to print for the command-line arguments.
func load(ctx context.Context, args []string, stdin io.Reader) ([]group, error) {
	switch {
	case len(args) == 0:
		return builtin, nil
	case len(args) > 1:
		return nil, errUsage
	case args[0] == "-":
		tags, err := readLines(stdin)
		return []group{{"stdin", tags}}, err
	}
	tags, err := recipe.LocalTagNames(ctx, args[0])
	return []group{{args[0], tags}}, err
}

// readLines returns the non-blank lines of r, trimmed.
func readLines(r io.Reader) ([]string, error) {
	var tags []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if t := strings.TrimSpace(sc.Text()); t != "" {
			tags = append(tags, t)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading stdin: %w", err)
	}
	return tags, nil
}

// write prints g's releases in recipe order, the latest marked with '*',
// then each tag left out with why.
func write(w io.Writer, g group) {
	fmt.Fprintf(w, "# %s\n", g.title)
	releases, skipped := recipe.Releases(g.tags)
	for i, v := range releases {
		if i == len(releases)-1 { // Releases sorts ascending: the last is the latest
			fmt.Fprintf(w, "* %s (latest)\n", v)
			continue
		}
		fmt.Fprintf(w, "  %s\n", v)
	}
	if len(releases) == 0 {
		fmt.Fprintln(w, "  (no release)")
	}
	for _, e := range skipped {
		fmt.Fprintf(w, "- %v\n", e) // quoted: stdin may hold anything
	}
}
