package bytesize

import (
	"errors"
	"math"
	"strconv"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
	}{
		{"0", 0},
		{"1024", 1024},
		{"512B", 512},
		{"5GiB", 5 << 30},
		{"5 GiB", 5 << 30},
		{"5gib", 5 << 30},
		{"1.5MiB", 3 << 19},
		{"500MB", 500e6},
		{"2kB", 2000},
		{"2KB", 2000},
		{"1TiB", 1 << 40},
		{"0.5B", 0},
		{" 7 MiB ", 7 << 20},
		{"8388607TiB", 8388607 << 40},
	} {
		got, err := Parse(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %d, %v, want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{"", "GiB", "-1GiB", "5 GB B", "5XB", "1..2", ".5GiB", "5.GiB", "1e3", "8388608TiB", "5 G"} {
		if got, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) = %d, want an error", in, got)
		} else if in != "8388608TiB" && !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q) = %v, want it to wrap ErrSyntax", in, err)
		}
	}
}

func TestFormat(t *testing.T) {
	for _, tt := range []struct {
		in   int64
		want string
	}{
		{0, "0 B"},
		{1023, "1023 B"},
		{1024, "1 KiB"},
		{5 << 30, "5 GiB"},
		{3435973837, "3.2 GiB"},
		{math.MaxInt64, "8 EiB"},
	} {
		if got := Format(tt.in); got != tt.want {
			t.Errorf("Format(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"5GiB", "500MB", "1.5 MiB", "0", "1024", "8388607TiB", "x", "1.", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			return
		}
		if n < 0 {
			t.Fatalf("Parse(%q) = %d < 0", s, n)
		}
		// Bytes written out read back the same.
		if m, err := Parse(strconv.FormatInt(n, 10) + "B"); err != nil || m != n {
			t.Fatalf("Parse(%dB) = %d, %v", n, m, err)
		}
		_ = Format(n)
	})
}
