package recipe

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// realTags are real Co-op Cloud tags from issue 2, all valid versions.
var realTags = []string{
	"3.0.9+1.10.7", "3.0.10+1.10.8",
	"5.0.2+27.0.1-fpm", "5.0.3+27.0.1-fpm", "6.0.1+28.0.2-fpm",
	"1.0.0+1.0.5-social-amd64", "2.0.0+1.0.5-social-amd64", "2.0.1+1.0.6-social-amd64",
	"3.0.1+v2.0.0", "1.1.0+1.15",
	"1.14.1-rootless", "1.14.1-rootless_1", "v2.4.8",
	"v1.0.0", "v1.0.1", "v1.0.2", "v1.0.3",
}

// notVersions turn up in real repositories and labels but are invalid.
var notVersions = []string{
	"0.2.0+v0.40.3.0+v0.4.219", "0.7.0+3.3.1-9-g7ae7b0f", "0.2.0+v0.4-4-gb2d86ef", "7ae7b0f7+U",
}

type parsed struct {
	Class               Class
	Major, Minor, Patch uint64
	Pre, Upstream       string
}

func parts(v Version) parsed {
	return parsed{v.Class(), v.Major(), v.Minor(), v.Patch(), v.Prerelease(), v.Upstream()}
}

func TestParse(t *testing.T) {
	tests := []struct {
		tag  string
		want parsed
	}{
		{"3.0.9+1.10.7", parsed{Release, 3, 0, 9, "", "1.10.7"}},
		{"3.0.10+1.10.8", parsed{Release, 3, 0, 10, "", "1.10.8"}},
		{"5.0.2+27.0.1-fpm", parsed{Release, 5, 0, 2, "", "27.0.1-fpm"}},
		{"6.0.1+28.0.2-fpm", parsed{Release, 6, 0, 1, "", "28.0.2-fpm"}},
		{"2.0.1+1.0.6-social-amd64", parsed{Release, 2, 0, 1, "", "1.0.6-social-amd64"}},
		{"3.0.1+v2.0.0", parsed{Release, 3, 0, 1, "", "v2.0.0"}},
		{"1.1.0+1.15", parsed{Release, 1, 1, 0, "", "1.15"}},
		{"v3.6.0+1.24.2", parsed{Release, 3, 6, 0, "", "1.24.2"}},
		{"1.0.0-rc.1+2.3", parsed{Prerelease, 1, 0, 0, "rc.1", "2.3"}},
		{"1.0.0-beta-2+2.3_x", parsed{Prerelease, 1, 0, 0, "beta-2", "2.3_x"}},
		{"1.14.1-rootless", parsed{Legacy, 1, 14, 1, "rootless", ""}},
		{"1.14.1-rootless_1", parsed{Legacy, 1, 14, 1, "rootless_1", ""}},
		{"v2.4.8", parsed{Legacy, 2, 4, 8, "", ""}},
		{"1.0.0", parsed{Legacy, 1, 0, 0, "", ""}},
		{"18446744073709551615.0.0+x", parsed{Release, 1<<64 - 1, 0, 0, "", "x"}},
		// Near misses of `git describe` output are valid upstream tags.
		{"1.0.0+1.0-gabcdef", parsed{Release, 1, 0, 0, "", "1.0-gabcdef"}},
		{"1.0.0+1.2-10-gxyz1234", parsed{Release, 1, 0, 0, "", "1.2-10-gxyz1234"}},
		{"1.0.0+1.2-3-gab", parsed{Release, 1, 0, 0, "", "1.2-3-gab"}},
		{"1.0.0+1.2-x3-gabcdef", parsed{Release, 1, 0, 0, "", "1.2-x3-gabcdef"}},
		{"1.0.0+1.2--gabcdef", parsed{Release, 1, 0, 0, "", "1.2--gabcdef"}},
	}
	for _, tt := range tests {
		v, err := Parse(tt.tag)
		if err != nil {
			t.Errorf("Parse(%q) error: %v", tt.tag, err)
			continue
		}
		if got := parts(v); got != tt.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tt.tag, got, tt.want)
		}
		if v.String() != tt.tag {
			t.Errorf("Parse(%q).String() = %q", tt.tag, v.String())
		}
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct{ tag, reason string }{
		{"", "empty tag"},
		{" ", "space or control"},
		{"1.2.3+1.0 ", "space or control"},
		{" 1.2.3+1.0", "space or control"},
		{"+", "no upstream"},
		{"1.2.3+", "no upstream"},
		{"+1.2.3", "no recipe version"},
		{"18446744073709551616.0.0+1.0", "larger than 2^64-1"},
		{"1.99999999999999999999999.0", "larger than 2^64-1"},
		{strings.Repeat("1", 10000), "longer than 256"},
		{"1.2.3+\xff", "UTF-8"},
		{"1.2.3\x00+1.0", "control character"},
		{"0.2.0+v0.40.3.0+v0.4.219", "more than one '+'"},
		{"0.7.0+3.3.1-9-g7ae7b0f", "git describe"},
		{"0.2.0+v0.4-4-gb2d86ef", "git describe"},
		{"1.0.0+2.0-3-gabcdef0-dirty", "git describe"},
		{"7ae7b0f7+U", `"7ae7b0f7" is not MAJOR.MINOR.PATCH`},
		{"1.2+3.4", "is not MAJOR.MINOR.PATCH"},
		{"01.2.3+1", "leading zero"},
		{"1.2.3-01+1", "leading zero"},
		{"1.2.3-a..b+1", "empty identifier"},
		{"1.2.3-a_b+1", `has '_'`},
		{"1.2.3-+1", "empty identifier"},
		{"1.2.3.4+1", `has ".4" after`},
		{"1.2.3-", "is empty"},
		{"1.2.3+é", "upstream"},
		{"latest", "is not MAJOR.MINOR.PATCH"},
		{"vv1.2.3+1", "is not MAJOR.MINOR.PATCH"},
	}
	for _, tt := range tests {
		v, err := Parse(tt.tag)
		var te *TagError
		if !errors.As(err, &te) || te.Tag != tt.tag || !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%.20q) = %v, %v, want *TagError wrapping ErrSyntax", tt.tag, v, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.reason) {
			t.Errorf("Parse(%.20q) error %q, want it to say %q", tt.tag, err, tt.reason)
		}
		if !v.IsZero() {
			t.Errorf("Parse(%.20q) = %v with an error, want the zero Version", tt.tag, v)
		}
	}
}

func TestTagErrorShortensTag(t *testing.T) {
	_, err := Parse(strings.Repeat("9", 10000))
	if n := len(err.Error()); n > 120 {
		t.Errorf("error for a 10,000-byte tag is %d bytes long: %q", n, err)
	}
}

func TestRealTagsRoundTrip(t *testing.T) {
	for _, tag := range realTags {
		v, err := Parse(tag)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tag, err)
		}
		b, err := json.Marshal(struct{ V Version }{v})
		if err != nil {
			t.Fatal(err)
		}
		var back struct{ V Version }
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("json.Unmarshal(%s): %v", b, err)
		}
		if back.V != v {
			t.Errorf("JSON round trip of %q = %+v, want %+v", tag, back.V, v)
		}
	}
}

func TestTextZeroAndInvalid(t *testing.T) {
	var v Version
	b, _ := v.MarshalText()
	if len(b) != 0 {
		t.Errorf("zero Version MarshalText = %q, want empty", b)
	}
	if err := json.Unmarshal([]byte(`""`), &v); err != nil || !v.IsZero() {
		t.Errorf(`Unmarshal("") = %v, %v, want zero`, v, err)
	}
	err := json.Unmarshal([]byte(`"7ae7b0f7+U"`), &v)
	if !errors.Is(err, ErrSyntax) {
		t.Errorf("Unmarshal(chaos stamp) error = %v, want ErrSyntax", err)
	}
	if diff := cmp.Diff("invalid", Class(0).String()); diff != "" {
		t.Errorf("Class(0).String() (-want +got):\n%s", diff)
	}
}
