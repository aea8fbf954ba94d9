package recipe

import "testing"

func FuzzParse(f *testing.F) {
	for _, tag := range append(realTags, notVersions...) {
		f.Add(tag)
	}
	for _, tag := range []string{"", "+", "1.2.3+", "+1.2.3", "1.0.0-rc.1+2", "18446744073709551616.0.0+1", "1.2.3\x00+1"} {
		f.Add(tag)
	}
	f.Fuzz(func(t *testing.T, tag string) {
		v, err := Parse(tag)
		if err != nil {
			if !v.IsZero() {
				t.Fatalf("Parse(%q) = %+v with error %v", tag, v, err)
			}
			return
		}
		if v.String() != tag {
			t.Fatalf("Parse(%q).String() = %q", tag, v.String())
		}
		w, err := Parse(v.String())
		if err != nil || w != v {
			t.Fatalf("Parse(%q) = %+v, %v; want %+v", v.String(), w, err, v)
		}
		if Compare(v, w) != 0 {
			t.Fatalf("Compare(%q, itself) != 0", tag)
		}
		if v.Class() < Release || v.Class() > Legacy {
			t.Fatalf("Parse(%q).Class() = %d", tag, v.Class())
		}
		if b, _ := v.MarshalText(); string(b) != tag {
			t.Fatalf("MarshalText(%q) = %q", tag, b)
		}
	})
}
