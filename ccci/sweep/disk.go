package sweep

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/internal/atomicfile"
	"coopcloud.tech/cc-ci/internal/bytesize"
)

// The disk guard. A disk that fills up mid-sweep makes every later recipe
// fail for a reason that is not the recipe's; so before each run (and
// each retry) the sweep checks the free space of every filesystem it
// writes to, and below [sweep] min_free it stops starting runs: the sweep
// is deferred (exit 75), the runs it did not start get no verdict and are
// planned again by the next sweep.

// LowDisk is a filesystem with less free space than [sweep] min_free. As
// an error it matches ccci.ErrDeferred (exit 75).
type LowDisk struct {
	Path  string `json:"path"`  // the path checked
	Mount string `json:"mount"` // where its filesystem is mounted
	Free  int64  `json:"free_bytes"`
	Need  int64  `json:"need_bytes"` // [sweep] min_free
}

func (l *LowDisk) Error() string {
	where := l.Mount
	if l.Path != l.Mount {
		where += " (holding " + l.Path + ")"
	}
	return fmt.Sprintf("low disk space: the filesystem at %s has %s free, %s needed ([sweep] min_free)",
		where, bytesize.Format(l.Free), bytesize.Format(l.Need))
}

// Is makes errors.Is(err, ccci.ErrDeferred) true for a *LowDisk.
func (l *LowDisk) Is(target error) bool { return target == ccci.ErrDeferred }

// diskGuard checks the free space of the filesystems a sweep writes to.
// A nil guard, or one without a minimum, checks nothing.
type diskGuard struct {
	min   int64
	paths []string
}

// newDiskGuard checks the runs directory, the state file's directory, the
// temporary directory (where each run's ABRA_DIR is made) and [sweep]
// disk_paths, each filesystem once.
func newDiskGuard(s *ccci.Sweep) *diskGuard {
	if s.MinFree <= 0 {
		return nil
	}
	state := s.State
	if t, err := atomicfile.Target(state); err == nil {
		state = t
	}
	g := &diskGuard{min: s.MinFree}
	seen := map[uint64]bool{}
	for _, p := range append([]string{s.Runs, filepath.Dir(state), os.TempDir()}, s.DiskPaths...) {
		var st unix.Stat_t
		if unix.Stat(p, &st) == nil {
			if seen[st.Dev] {
				continue
			}
			seen[st.Dev] = true
		}
		g.paths = append(g.paths, p) // one that cannot be read is reported by check
	}
	return g
}

// check returns a *LowDisk for the first filesystem with less than the
// minimum free, or an error for a path whose filesystem cannot be read.
func (g *diskGuard) check() error {
	if g == nil {
		return nil
	}
	for _, p := range g.paths {
		var st unix.Statfs_t
		if err := unix.Statfs(p, &st); err != nil {
			return fmt.Errorf("checking free space: statfs %s: %w", p, err)
		}
		// Bavail: what an unprivileged writer (the cc-ci user) may use.
		free := int64(min(st.Bavail*uint64(st.Bsize), 1<<62))
		if free < g.min {
			return &LowDisk{Path: p, Mount: mountPoint(p), Free: free, Need: g.min}
		}
	}
	return nil
}

// low is check's *LowDisk, or nil (also when a path cannot be read: the
// next check before a run reports that).
func (g *diskGuard) low() *LowDisk {
	var l *LowDisk
	if errors.As(g.check(), &l) {
		return l
	}
	return nil
}

// mountPoint is the topmost directory above p on p's filesystem.
func mountPoint(p string) string {
	p, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	if real, err := filepath.EvalSymlinks(p); err == nil {
		p = real
	}
	var st unix.Stat_t
	if unix.Stat(p, &st) != nil {
		return p
	}
	for p != "/" {
		var up unix.Stat_t
		parent := filepath.Dir(p)
		if unix.Stat(parent, &up) != nil || up.Dev != st.Dev {
			break
		}
		p = parent
	}
	return p
}
