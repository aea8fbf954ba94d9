package recipe

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	goversion "github.com/hashicorp/go-version"
)

func mustParse(t testing.TB, tag string) Version {
	t.Helper()
	v, err := Parse(tag)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"3.0.9+1.10.7", "3.0.10+1.10.8", -1},
		{"5.0.2+27.0.1-fpm", "5.0.3+27.0.1-fpm", -1},
		{"5.0.3+27.0.1-fpm", "6.0.1+28.0.2-fpm", -1},
		{"1.0.0+1.0.5-social-amd64", "2.0.0+1.0.5-social-amd64", -1},
		{"2.0.0+1.0.5-social-amd64", "2.0.1+1.0.6-social-amd64", -1},
		{"3.5.3+1.24.2", "3.5.3+1.25.0", 0},
		{"v3.5.3+1.24.2", "3.5.3+1.24.2", 0},
		{"3.6.0+1.24.2", "3.5.3+1.24.2", 1},
		{"1.0.0-rc.1+2", "1.0.0+2", -1},
		{"1.0.0-alpha+1", "1.0.0-alpha.1+1", -1},
		{"1.0.0-alpha.1+1", "1.0.0-alpha.beta+1", -1},
		{"1.0.0-alpha.beta+1", "1.0.0-beta+1", -1},
		{"1.0.0-beta+1", "1.0.0-beta.2+1", -1},
		{"1.0.0-beta.2+1", "1.0.0-beta.11+1", -1},
		{"1.0.0-beta.11+1", "1.0.0-rc.1+1", -1},
		{"1.0.0-1+1", "1.0.0-a+1", -1},
		{"1.14.1-rootless", "1.14.1-rootless_1", -1},
		{"1.14.1-rootless_1", "1.14.1", -1},
		{"18446744073709551615.0.0+1", "18446744073709551614.0.0+1", 1},
	}
	for _, tt := range tests {
		a, b := mustParse(t, tt.a), mustParse(t, tt.b)
		if got := Compare(a, b); got != tt.want {
			t.Errorf("Compare(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := Compare(b, a); got != -tt.want {
			t.Errorf("Compare(%q, %q) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
	if got := Compare(Version{}, mustParse(t, "0.0.0+0")); got != -1 {
		t.Errorf("Compare(zero, 0.0.0+0) = %d, want -1", got)
	}
}

func TestSortDeterministic(t *testing.T) {
	want := []string{
		"1.0.0-rc.1+2",
		"3.5.3+1.9.0", "3.5.3+1.24.2", "v3.5.3+1.24.2", "3.5.3+1.25.0", "3.5.3+1.25.0_x", "3.5.3+a", "3.5.3+b",
		"3.6.0+1.0",
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		tags := slices.Clone(want)
		r.Shuffle(len(tags), func(i, j int) { tags[i], tags[j] = tags[j], tags[i] })
		vs := make([]Version, len(tags))
		for i, tag := range tags {
			vs[i] = mustParse(t, tag)
		}
		Sort(vs)
		if diff := cmp.Diff(want, strs(vs)); diff != "" {
			t.Fatalf("Sort(%q) (-want +got):\n%s", tags, diff)
		}
	}
}

func strs(vs []Version) []string {
	var out []string
	if len(vs) > 0 {
		out = make([]string, len(vs))
	}
	for i, v := range vs {
		out[i] = v.String()
	}
	return out
}

func TestReleases(t *testing.T) {
	tests := []struct {
		name    string
		tags    []string
		want    []string
		skipped map[string]error
	}{
		{"string order is wrong", []string{"3.0.10+1.10.8", "3.0.9+1.10.7"},
			[]string{"3.0.9+1.10.7", "3.0.10+1.10.8"}, nil},
		{"back-port", []string{"5.0.2+27.0.1-fpm", "6.0.1+28.0.2-fpm", "5.0.3+27.0.1-fpm"},
			[]string{"5.0.2+27.0.1-fpm", "5.0.3+27.0.1-fpm", "6.0.1+28.0.2-fpm"}, nil},
		{"social", []string{"2.0.1+1.0.6-social-amd64", "1.0.0+1.0.5-social-amd64", "2.0.0+1.0.5-social-amd64"},
			[]string{"1.0.0+1.0.5-social-amd64", "2.0.0+1.0.5-social-amd64", "2.0.1+1.0.6-social-amd64"}, nil},
		{"legacy beside plus", []string{"1.14.1-rootless", "1.14.1-rootless_1", "v2.4.8", "3.0.1+v2.0.0", "1.1.0+1.15"},
			[]string{"1.1.0+1.15", "3.0.1+v2.0.0"},
			map[string]error{"1.14.1-rootless": ErrLegacy, "1.14.1-rootless_1": ErrLegacy, "v2.4.8": ErrLegacy}},
		{"only plain tags", []string{"v1.0.3", "v1.0.0", "v1.0.2", "v1.0.1"},
			[]string{"v1.0.0", "v1.0.1", "v1.0.2", "v1.0.3"}, nil},
		{"plain with suffix", []string{"1.14.1-rootless_1", "v2.4.8"},
			[]string{"v2.4.8"}, map[string]error{"1.14.1-rootless_1": ErrLegacy}},
		{"not versions", append([]string{"1.0.0+1", "1.1.0-rc.1+1"}, notVersions...),
			[]string{"1.0.0+1"}, map[string]error{
				"1.1.0-rc.1+1": ErrPrerelease, "0.2.0+v0.40.3.0+v0.4.219": ErrSyntax,
				"0.7.0+3.3.1-9-g7ae7b0f": ErrSyntax, "0.2.0+v0.4-4-gb2d86ef": ErrSyntax, "7ae7b0f7+U": ErrSyntax}},
		{"invalid plus tags do not hide plain ones", []string{"7ae7b0f7+U", "v1.0.0"},
			[]string{"v1.0.0"}, map[string]error{"7ae7b0f7+U": ErrSyntax}},
		{"none", nil, nil, nil},
	}
	for _, tt := range tests {
		got, skipped := Releases(tt.tags)
		if diff := cmp.Diff(tt.want, strs(got)); diff != "" {
			t.Errorf("%s: Releases(%q) (-want +got):\n%s", tt.name, tt.tags, diff)
		}
		if len(skipped) != len(tt.skipped) {
			t.Errorf("%s: Releases(%q) skipped %v, want %d", tt.name, tt.tags, skipped, len(tt.skipped))
		}
		for _, e := range skipped {
			if want := tt.skipped[e.Tag]; !errors.Is(e, want) {
				t.Errorf("%s: Releases skipped %q with %v, want %v", tt.name, e.Tag, e.Err, want)
			}
		}
	}
}

func TestLatest(t *testing.T) {
	tests := []struct {
		tags []string
		want string
	}{
		{[]string{"5.0.2+27.0.1-fpm", "6.0.1+28.0.2-fpm", "5.0.3+27.0.1-fpm"}, "6.0.1+28.0.2-fpm"},
		{[]string{"3.0.10+1.10.8", "3.0.9+1.10.7"}, "3.0.10+1.10.8"},
		{[]string{"1.14.1-rootless_1", "v2.4.8", "1.1.0+1.15"}, "1.1.0+1.15"},
		{[]string{"v1.0.0", "v1.0.3", "v1.0.1"}, "v1.0.3"},
		{[]string{"3.5.3+1.25.0", "3.5.3+1.24.2"}, "3.5.3+1.25.0"},
		{[]string{"3.5.3+1.24.2", "3.5.3+1.25.0"}, "3.5.3+1.25.0"},
		{append([]string{"0.1.0+1"}, notVersions...), "0.1.0+1"},
		{[]string{"2.0.0-rc.1+1", "1.0.0+1"}, "1.0.0+1"},
	}
	for _, tt := range tests {
		got, ok := Latest(tt.tags)
		if !ok || got.String() != tt.want {
			t.Errorf("Latest(%q) = %q, %v, want %q, true", tt.tags, got, ok, tt.want)
		}
		rs, _ := Releases(tt.tags)
		if last := rs[len(rs)-1]; last != got {
			t.Errorf("Latest(%q) = %q, last of Releases = %q", tt.tags, got, last)
		}
	}
	for _, tags := range [][]string{nil, notVersions, {"1.0.0-rc.1+1", "1.14.1-rootless"}} {
		if got, ok := Latest(tags); ok || !got.IsZero() {
			t.Errorf("Latest(%q) = %q, %v, want zero, false", tags, got, ok)
		}
	}
}

// TestCompareDottedIsGoVersion: the fast path gives go-version's answer.
func TestCompareDottedIsGoVersion(t *testing.T) {
	ups := []string{"1", "1.0", "1.0.0", "1.0.0.0", "1.15", "1.15.0", "1.9", "1.10", "01.2", "1.2.3.4",
		"28.0.2", "999999999999999999.1", "0.0.1", "2"}
	for _, a := range ups {
		for _, b := range ups {
			got, ok := compareDotted(a, b)
			x, errX := goversion.NewVersion(a)
			y, errY := goversion.NewVersion(b)
			if !ok || errX != nil || errY != nil {
				t.Fatalf("compareDotted(%q, %q) ok=%v; go-version: %v, %v", a, b, ok, errX, errY)
			}
			if want := x.Compare(y); got != want {
				t.Errorf("compareDotted(%q, %q) = %d, go-version says %d", a, b, got, want)
			}
		}
	}
	for _, s := range []string{"", "1.", ".1", "1..2", "v1.2", "1.2-fpm", "1234567890123456789", "1_2"} {
		if _, ok := compareDotted(s, "1.2"); ok {
			t.Errorf("compareDotted(%q, 1.2) took the fast path", s)
		}
	}
}

// TestSortTotalOrder: Sort gives the same order for every shuffle of
// versions with many precedence ties and mixed upstream kinds.
func TestSortTotalOrder(t *testing.T) {
	ups := []string{"1.9", "1.10", "1.10.0", "27.0.1-fpm", "v2.0.0", "1.15", "1.0.5-social-amd64", "a_b", "x"}
	var tags []string
	for _, core := range []string{"1.0.0", "v1.0.0", "1.0.0-rc.1", "2.0.0"} {
		for _, up := range ups {
			tags = append(tags, core+"+"+up)
		}
	}
	tags = append(tags, "1.0.0", "v1.0.0")
	var first []string
	r := rand.New(rand.NewPCG(3, 4))
	for range 50 {
		r.Shuffle(len(tags), func(i, j int) { tags[i], tags[j] = tags[j], tags[i] })
		vs := make([]Version, len(tags))
		for i, tag := range tags {
			vs[i] = mustParse(t, tag)
		}
		Sort(vs)
		if !slices.IsSortedFunc(vs, Compare) {
			t.Fatalf("Sort result not in precedence order: %v", vs)
		}
		if first == nil {
			first = strs(vs)
		} else if diff := cmp.Diff(first, strs(vs)); diff != "" {
			t.Fatalf("Sort depends on input order (-first +now):\n%s", diff)
		}
	}
	if got, ok := Latest(tags); !ok || got.String() != first[len(first)-1] {
		t.Errorf("Latest = %v, want the last of Sort %v", got, first[len(first)-1])
	}
}
