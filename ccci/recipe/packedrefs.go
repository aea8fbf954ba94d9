package recipe

import (
	"bufio"
	"io"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// packedTag is a tag as packed-refs records it: its hash and the object it
// peels to.
type packedTag struct {
	hash, peeled plumbing.Hash
}

// packedPeeled reads the peeled values git pack-refs wrote: the lines
// "^HASH" after each annotated tag. It returns nil unless the file says
// "fully-peeled" (then a tag without such a line is not annotated) or when
// it cannot be parsed; callers then read objects instead. Stale entries are
// possible (a loose ref overrides a packed one), so callers must check that
// the hash matches the ref they resolved.
func packedPeeled(r io.Reader) map[string]packedTag {
	sc := bufio.NewScanner(r)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "# pack-refs with:") ||
		!strings.Contains(sc.Text()+" ", " fully-peeled ") {
		return nil
	}
	tags := map[string]packedTag{}
	last := ""
	for sc.Scan() {
		line := sc.Text()
		if h, ok := strings.CutPrefix(line, "^"); ok {
			t, found := tags[last]
			if !found || !plumbing.IsHash(h) {
				return nil
			}
			t.peeled = plumbing.NewHash(h)
			tags[last] = t
			continue
		}
		h, name, ok := strings.Cut(line, " ")
		if !ok || !plumbing.IsHash(h) {
			return nil
		}
		last = ""
		if strings.HasPrefix(name, "refs/tags/") {
			last = name
			tags[name] = packedTag{hash: plumbing.NewHash(h), peeled: plumbing.NewHash(h)}
		}
	}
	if sc.Err() != nil {
		return nil
	}
	return tags
}
