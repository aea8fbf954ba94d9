package gittest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Kind says which of Repo's tags are annotated.
type Kind int

const (
	Annotated   Kind = iota // every tag annotated
	Lightweight             // every tag lightweight
	Mixed                   // the first annotated, then alternately lightweight and annotated
)

// Options vary the repository Repo makes; the zero value is Repo's.
type Options struct {
	Tags   Kind
	Packed bool // every ref packed (git pack-refs --all), none loose
}

// Repo makes a git repository at dir, which it makes if missing, with
// branch main checked out: a first commit adding compose.yml, then for
// each tag a commit writing the tag to VERSION, tagged with an annotated
// tag "release TAG". It returns each tag's commit.
func Repo(t TB, dir string, tags ...string) map[string]string {
	t.Helper()
	return Options{}.Repo(t, dir, tags...)
}

// Repo is the package's Repo with o's tags and refs.
func (o Options) Repo(t TB, dir string, tags ...string) map[string]string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("making repository: %v", err)
	}
	Run(t, dir, "init", "-q", "-b", "main")
	cmd := Command(t.TempDir(), dir, "fast-import", "--quiet")
	cmd.Stdin = strings.NewReader(o.stream(tags))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git fast-import in %s: %v\n%s", dir, err, out)
	}
	Run(t, dir, "reset", "-q", "--hard") // fast-import wrote no index or work tree
	if o.Packed {
		Run(t, dir, "pack-refs", "--all")
	}
	return Tags(t, dir)
}

// stream is the git fast-import input for Repo: one commit per tag (fast
// for the thousands of tags of a benchmark), marks numbering the commits.
func (o Options) stream(tags []string) string {
	when, err := time.Parse(time.RFC3339, Date)
	if err != nil {
		panic(err)
	}
	who := fmt.Sprintf("%s <%s> %d +0000", Name, Email, when.Unix())
	var b strings.Builder
	data := func(s string) { fmt.Fprintf(&b, "data %d\n%s\n", len(s), s) }
	commit := func(mark int, msg, file, content string) {
		fmt.Fprintf(&b, "commit refs/heads/main\nmark :%d\nauthor %s\ncommitter %s\n", mark, who, who)
		data(msg + "\n")
		fmt.Fprintf(&b, "M 644 inline %s\n", file)
		data(content)
	}
	commit(1, "init", "compose.yml", "version: \"3.8\"\n")
	for i, tag := range tags {
		commit(i+2, "release "+tag, "VERSION", tag+"\n")
		if o.Tags == Lightweight || o.Tags == Mixed && i%2 == 1 {
			fmt.Fprintf(&b, "reset refs/tags/%s\nfrom :%d\n\n", tag, i+2)
			continue
		}
		fmt.Fprintf(&b, "tag %s\nfrom :%d\ntagger %s\n", tag, i+2, who)
		data("release " + tag + "\n")
	}
	return b.String()
}

// Tags is what git says of dir's tags: tag -> the commit it names, or for
// an annotated tag the object it points to (a commit, unless the tag tags
// a tag).
func Tags(t TB, dir string) map[string]string {
	t.Helper()
	out := Run(t, dir, "for-each-ref", "--format=%(refname:strip=2) %(*objectname) %(objectname)", "refs/tags")
	tags := map[string]string{}
	for line := range strings.SplitSeq(out, "\n") {
		if f := strings.Fields(line); len(f) >= 2 {
			tags[f[0]] = f[1] // %(*objectname) is empty for a lightweight tag
		}
	}
	return tags
}

// Advance commits VERSION "unreleased" on dir's branch, past every tag,
// and returns the new commit.
func Advance(t TB, dir string) string {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "VERSION"), []byte("unreleased\n"), 0o644); err != nil {
		t.Fatalf("advancing %s: %v", dir, err)
	}
	Run(t, dir, "add", "VERSION")
	Run(t, dir, "commit", "-q", "-m", "work in progress")
	return Run(t, dir, "rev-parse", "HEAD")
}
