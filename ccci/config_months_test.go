package ccci

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The [sweep] keys for running for months: retention, the disk guard,
// retries and metrics.

func TestParseConfigMonths(t *testing.T) {
	data := `[sweep]
keep = 0
min_free = "5GiB"
disk_paths = ["/var/lib/docker", "~/scratch"]
retries = 2
metrics = "/var/lib/prometheus/node-exporter/cc-ci.prom"
`
	c, err := ParseConfig("c.toml", []byte(data), getenvMap(map[string]string{"HOME": "/home/ci"}))
	if err != nil {
		t.Fatalf("ParseConfig: %v", err)
	}
	got := []any{c.Sweep.Keep, c.Sweep.MinFree, c.Sweep.DiskPaths, c.Sweep.Retries, c.Sweep.Metrics}
	want := []any{0, int64(5 << 30), []string{"/var/lib/docker", "/home/ci/scratch"}, 2, "/var/lib/prometheus/node-exporter/cc-ci.prom"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("keep, min_free, disk_paths, retries, metrics (-want +got):\n%s", diff)
	}
}

func TestParseConfigMonthsDefaults(t *testing.T) {
	c, err := ParseConfig("c.toml", []byte("[sweep]\n"), getenvMap(nil))
	if err != nil {
		t.Fatalf("ParseConfig: %v", err)
	}
	s := c.Sweep
	if s.Keep != 30 || s.MinFree != 0 || s.DiskPaths != nil || s.Retries != 0 || s.Metrics != "" {
		t.Errorf("defaults keep=%d min_free=%d disk_paths=%q retries=%d metrics=%q, want 30, 0, none, 0, none",
			s.Keep, s.MinFree, s.DiskPaths, s.Retries, s.Metrics)
	}
}

func TestParseConfigMonthsErrors(t *testing.T) {
	for _, tt := range []struct{ name, data, want string }{
		{"keep negative", "[sweep]\nkeep = -1\n", `c.toml:2: sweep.keep: -1 is less than 0`},
		{"retries negative", "[sweep]\n\nretries = -2\n", `c.toml:3: sweep.retries: -2 is less than 0`},
		{"size unit", "[sweep]\nmin_free = \"5 gigs\"\n", `c.toml:2: sweep.min_free: want a size string like "5GiB": not a size: "5 gigs"`},
		{"size number", "[sweep]\nmin_free = 5\n", `c.toml:2: sweep.min_free: want a size string like "5GiB", found an integer`},
		{"relative metrics", "[sweep]\nmetrics = \"cc-ci.prom\"\n", `c.toml:2: sweep.metrics: "cc-ci.prom" is not an absolute path`},
		{"relative disk path", "[sweep]\ndisk_paths = [\"/ok\", \"docker\"]\n", `c.toml:2: sweep.disk_paths: "docker" is not an absolute path`},
		{"empty disk path", "[sweep]\ndisk_paths = [\"\"]\n", `c.toml:2: sweep.disk_paths: an empty path`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig("c.toml", []byte(tt.data), getenvMap(nil))
			if err == nil || err.Error() != tt.want {
				t.Errorf("ParseConfig(%q) = %v, want %s", tt.data, err, tt.want)
			}
		})
	}
}
