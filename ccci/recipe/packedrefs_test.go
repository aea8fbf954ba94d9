package recipe

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLocalTagsOldPackedRefs: without the fully-peeled trait, LocalTags
// reads the tag objects and still agrees with git.
func TestLocalTagsOldPackedRefs(t *testing.T) {
	dir := newRepo(t)
	path := filepath.Join(dir, ".git", "packed-refs")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	first, rest, _ := strings.Cut(string(b), "\n")
	if !strings.Contains(first, "fully-peeled") {
		t.Fatalf("git wrote packed-refs header %q, want fully-peeled", first)
	}
	if err := os.WriteFile(path, []byte("# pack-refs with: peeled \n"+rest), 0o644); err != nil {
		t.Fatal(err)
	}
	tags, err := LocalTags(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(forEachRef(t, dir), tagLines(tags)); diff != "" {
		t.Errorf("LocalTags (-want +got):\n%s", diff)
	}
}

func TestPackedPeeled(t *testing.T) {
	const (
		a = "1111111111111111111111111111111111111111"
		b = "2222222222222222222222222222222222222222"
	)
	head := "# pack-refs with: peeled fully-peeled sorted \n"
	tests := []struct {
		name, data string
		want       map[string]string // name -> "hash peeled"
	}{
		{"annotated and light", head + a + " refs/tags/x\n^" + b + "\n" + b + " refs/tags/y\n" + a + " refs/heads/main\n",
			map[string]string{"refs/tags/x": a + " " + b, "refs/tags/y": b + " " + b}},
		{"no header", a + " refs/tags/x\n", nil},
		{"only peeled", "# pack-refs with: peeled \n" + a + " refs/tags/x\n", nil},
		{"bad hash", head + "zz refs/tags/x\n", nil},
		{"orphan peel", head + a + " refs/heads/main\n^" + b + "\n", nil},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		var got map[string]string
		if m := packedPeeled(strings.NewReader(tt.data)); m != nil {
			got = map[string]string{}
			for k, v := range m {
				got[k] = v.hash.String() + " " + v.peeled.String()
			}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: packedPeeled (-want +got):\n%s", tt.name, diff)
		}
	}
}
