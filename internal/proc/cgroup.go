package proc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// A Cgroup is a cgroup v2 made for one job below this process's own
// cgroup, when that one is delegated to it (systemd's Delegate=yes, or a
// cgroup this process's user owns). Every process the job starts stays in
// it, whatever it does with sessions, groups or its environment, and Kill
// ends them all at once (cgroup.kill, Linux 5.14).
type Cgroup struct {
	Dir string
}

// ErrNoCgroup says that no delegated cgroup v2 is at hand: the caller
// falls back to Tree.
var ErrNoCgroup = errors.New("no delegated cgroup v2")

// PlanCgroup names the cgroup name below this process's own, without
// making it (Make does), so that the name can be recorded first. It
// returns an error matching ErrNoCgroup when this process is not in a
// cgroup v2 it may manage: no unified hierarchy, a cgroup it cannot write,
// or, as root, one systemd manages and has not delegated.
func PlanCgroup(name string) (*Cgroup, error) {
	own, err := ownCgroup()
	if err != nil {
		return nil, err
	}
	return &Cgroup{Dir: filepath.Join(own, name)}, nil
}

// Make makes the cgroup. One without cgroup.kill (before Linux 5.14) is
// removed again, and the error matches ErrNoCgroup.
func (c *Cgroup) Make() error {
	if err := os.Mkdir(c.Dir, 0o755); err != nil {
		return fmt.Errorf("%w: making %s: %v", ErrNoCgroup, c.Dir, err)
	}
	if _, err := os.Stat(filepath.Join(c.Dir, "cgroup.kill")); err != nil {
		_ = c.Remove()
		return fmt.Errorf("%w: %s has no cgroup.kill (Linux 5.14 or later has it)", ErrNoCgroup, c.Dir)
	}
	return nil
}

// ownCgroup is the directory of this process's cgroup v2, if delegated.
func ownCgroup() (string, error) {
	mount, err := cgroup2Mount()
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrNoCgroup, err)
	}
	var rel string
	found := false
	for _, line := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			rel, found = p, true
		}
	}
	if !found {
		return "", fmt.Errorf("%w: /proc/self/cgroup has no unified entry", ErrNoCgroup)
	}
	dir := filepath.Join(mount, rel)
	if unix.Access(dir, unix.W_OK) != nil {
		return "", fmt.Errorf("%w: %s is not writable", ErrNoCgroup, dir)
	}
	if os.Geteuid() == 0 && systemdManaged(rel) && !delegated(dir) {
		// Root may write anywhere; a unit's cgroup is systemd's unless delegated.
		return "", fmt.Errorf("%w: %s belongs to systemd (no Delegate=yes)", ErrNoCgroup, dir)
	}
	return dir, nil
}

// cgroup2Mount is where the unified hierarchy is mounted.
func cgroup2Mount() (string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrNoCgroup, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		fields := strings.Fields(pre)
		if ok && len(fields) >= 5 && strings.HasPrefix(post, "cgroup2 ") && fields[3] == "/" {
			return fields[4], nil
		}
	}
	return "", fmt.Errorf("%w: no cgroup2 mount", ErrNoCgroup)
}

// systemdManaged reports whether a cgroup path is a systemd unit's.
func systemdManaged(rel string) bool {
	for _, part := range strings.Split(rel, "/") {
		if strings.HasSuffix(part, ".service") || strings.HasSuffix(part, ".scope") || strings.HasSuffix(part, ".slice") {
			return true
		}
	}
	return false
}

// delegated reports whether systemd marked the cgroup as delegated (the
// trusted.delegate or user.delegate extended attribute, systemd 251+).
func delegated(dir string) bool {
	buf := make([]byte, 8)
	for _, attr := range []string{"trusted.delegate", "user.delegate"} {
		if n, err := unix.Getxattr(dir, attr, buf); err == nil && string(buf[:n]) == "1" {
			return true
		}
	}
	return false
}

// Start starts cmd directly inside the cgroup (clone3 with
// CLONE_INTO_CGROUP), so that not even its first instruction runs outside.
func (c *Cgroup) Start(cmd *exec.Cmd) error {
	fd, err := unix.Open(c.Dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("opening cgroup %s: %w", c.Dir, err)
	}
	defer unix.Close(fd)
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.UseCgroupFD, cmd.SysProcAttr.CgroupFD = true, fd
	return cmd.Start()
}

// Kill ends every process in the cgroup and waits (up to wait) until it
// is empty.
func (c *Cgroup) Kill(wait time.Duration) error {
	if err := os.WriteFile(filepath.Join(c.Dir, "cgroup.kill"), []byte("1"), 0); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("killing cgroup %s: %w", c.Dir, err)
	}
	for deadline := time.Now().Add(wait); ; time.Sleep(5 * time.Millisecond) {
		b, err := os.ReadFile(filepath.Join(c.Dir, "cgroup.events"))
		if err != nil || bytes.Contains(b, []byte("populated 0")) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cgroup %s still holds processes %v after kill", c.Dir, wait)
		}
	}
}

// Remove removes the (empty) cgroup; a cgroup already gone is no error.
func (c *Cgroup) Remove() error {
	if err := unix.Rmdir(c.Dir); err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("removing cgroup %s: %w", c.Dir, err)
	}
	return nil
}
