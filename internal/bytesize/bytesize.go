// Package bytesize reads and writes byte counts the way people write them
// in a config file:
//
//	size = number [ " " ] [ unit ]
//	number = digits [ "." digits ]
//	unit = "B" | "kB" | "KB" | "MB" | "GB" | "TB"   (powers of 1000)
//	     | "KiB" | "MiB" | "GiB" | "TiB"           (powers of 1024)
//
// Units are matched without regard to case ("5gib" is 5 GiB); a number
// without a unit counts bytes. A fraction is rounded down to whole bytes.
// A size never exceeds math.MaxInt64.
package bytesize

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// units maps each unit, in lower case, to its multiplier.
var units = map[string]int64{
	"": 1, "b": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
}

// ErrSyntax is wrapped by every error Parse returns.
var ErrSyntax = errors.New(`want a number and a unit such as "5GiB", "500MB" or "1024"`)

// Parse reads a size such as "5GiB" and returns it in bytes.
func Parse(s string) (int64, error) {
	num, unit := split(strings.TrimSpace(s))
	mult, ok := units[strings.ToLower(strings.TrimSpace(unit))]
	if !ok || !isNumber(num) {
		return 0, fmt.Errorf("size %q: %w", s, ErrSyntax)
	}
	r, ok := new(big.Rat).SetString(num)
	if !ok {
		return 0, fmt.Errorf("size %q: %w", s, ErrSyntax)
	}
	r.Mul(r, new(big.Rat).SetInt64(mult))
	n := new(big.Int).Quo(r.Num(), r.Denom())
	if !n.IsInt64() {
		return 0, fmt.Errorf("size %q: more than %d bytes", s, int64(math.MaxInt64))
	}
	return n.Int64(), nil
}

// split cuts s after its leading digits and dots.
func split(s string) (num, unit string) {
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

// isNumber reports whether s is digits, optionally "." and more digits.
func isNumber(s string) bool {
	whole, frac, dot := strings.Cut(s, ".")
	digits := func(x string) bool { return x != "" && strings.Trim(x, "0123456789") == "" }
	return digits(whole) && (!dot || digits(frac))
}

// Format writes n for people, in the largest power-of-1024 unit it
// reaches, with one decimal when that unit is not exact: "5 GiB",
// "3.2 GiB", "512 B".
func Format(n int64) string {
	if n < 1<<10 && n > -(1<<10) {
		return strconv.FormatInt(n, 10) + " B"
	}
	names := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v, i := float64(n)/1024, 0
	for math.Abs(v) >= 1024 && i < len(names)-1 {
		v /= 1024
		i++
	}
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64) + " " + names[i]
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + names[i]
}
