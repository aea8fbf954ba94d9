package proc

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Stat is what /proc/PID/stat says of a process.
type Stat struct {
	PID, PPID, PGID int
	State           byte   // R, S, D, Z (zombie), ...
	Start           uint64 // start time, clock ticks after boot: PID and Start name one process
}

// ReadStat reads /proc/PID/stat.
func ReadStat(pid int) (Stat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return Stat{}, err
	}
	return parseStat(pid, b)
}

// parseStat reads "pid (comm) state ppid pgrp session ... starttime ...":
// comm may hold spaces and parentheses, so fields count from the last ')'.
func parseStat(pid int, b []byte) (Stat, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return Stat{}, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] state, f[1] ppid, f[2] pgrp, ... f[19] starttime (field 22).
	if len(f) < 20 || len(f[0]) != 1 {
		return Stat{}, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	ppid, err1 := strconv.Atoi(f[1])
	pgid, err2 := strconv.Atoi(f[2])
	start, err3 := strconv.ParseUint(f[19], 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		return Stat{}, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return Stat{PID: pid, PPID: ppid, PGID: pgid, State: f[0][0], Start: start}, nil
}

// An ID names one process for as long as the machine runs: "PID.START",
// its PID and start time. A PID alone may be reused once the process is
// gone; the pair is not.
type ID string

// Self is the ID of this process.
func Self() ID { return IDOfPID(os.Getpid()) }

// IDOf is the ID of the process st describes.
func IDOf(st Stat) ID { return ID(strconv.Itoa(st.PID) + "." + strconv.FormatUint(st.Start, 10)) }

// IDOfPID is the ID of the live process pid; when its stat cannot be
// read, PID.0, which no live process matches.
func IDOfPID(pid int) ID {
	if st, err := ReadStat(pid); err == nil {
		return IDOf(st)
	}
	return ID(strconv.Itoa(pid) + ".0")
}

// PID is the process ID part of id, 0 when id is malformed.
func (id ID) PID() int {
	p, _, _ := strings.Cut(string(id), ".")
	pid, err := strconv.Atoi(p)
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// Alive reports whether the process id names still runs (a zombie does
// not).
func (id ID) Alive() bool {
	pid := id.PID()
	if pid == 0 {
		return false
	}
	st, err := ReadStat(pid)
	return err == nil && st.State != 'Z' && IDOf(st) == id
}

// IsAncestor reports whether the process id names is an ancestor of this
// process: its parent, or its parent's, and so on.
func (id ID) IsAncestor() bool {
	pid := id.PID()
	if pid == 0 {
		return false
	}
	for p, hops := os.Getppid(), 0; p > 1 && hops < 4096; hops++ {
		st, err := ReadStat(p)
		if err != nil {
			return false
		}
		if p == pid {
			return IDOf(st) == id
		}
		p = st.PPID
	}
	return false
}

// Subreaper makes this process the child subreaper of its descendants
// (PR_SET_CHILD_SUBREAPER): a process whose parent exits is given to it,
// not to init, so that what a job's children leave behind stays in reach.
// Orphans it does not wait for stay zombies until it exits.
func Subreaper() error {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("becoming child subreaper: %w", err)
	}
	return nil
}

// Tree names a job's processes: the group its leader leads (PGID), every
// descendant of a process in it, and every process whose environment
// holds Mark (a "NAME=value" entry), which follows the job's processes
// through setsid and double forks, as long as they keep the environment
// they were started with.
type Tree struct {
	PGID int
	Mark string
}

// Kill sends SIGKILL to every process of the tree that this process may
// signal, round after round until none is left (a process forking while
// it dies is caught in the next round), and waits for those that are this
// process's children (orphans given to a subreaper). It returns how many
// processes it killed.
func (t Tree) Kill() (int, error) {
	killed := 0
	for round := 0; round < 50; round++ {
		pids, err := t.members()
		if err != nil {
			return killed, err
		}
		var denied []string
		for _, st := range pids {
			switch err := syscall.Kill(st.PID, syscall.SIGKILL); {
			case err == nil:
				killed++
			case errors.Is(err, syscall.EPERM):
				denied = append(denied, strconv.Itoa(st.PID))
			}
		}
		if len(denied) == len(pids) {
			if len(denied) > 0 {
				return killed, fmt.Errorf("not allowed to kill processes %s of group %d", strings.Join(denied, ", "), t.PGID)
			}
			return killed, nil
		}
		for _, st := range pids {
			// An orphan given to this process; the leader is its Cmd's to wait for.
			if st.PPID == os.Getpid() && st.PID != t.PGID {
				var ws unix.WaitStatus
				_, _ = unix.Wait4(st.PID, &ws, 0, nil)
			}
		}
	}
	return killed, fmt.Errorf("processes of group %d still start after 50 rounds of SIGKILL", t.PGID)
}

// members lists the live processes of the tree.
func (t Tree) members() ([]Stat, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	self := os.Getpid()
	all := map[int]Stat{}
	children := map[int][]int{}
	var in []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		st, err := ReadStat(pid)
		if err != nil || st.State == 'Z' {
			continue
		}
		all[pid] = st
		children[st.PPID] = append(children[st.PPID], pid)
		if t.PGID > 0 && st.PGID == t.PGID || t.Mark != "" && hasEnv(pid, t.Mark) {
			in = append(in, pid)
		}
	}
	seen := map[int]bool{}
	var out []Stat
	for len(in) > 0 {
		pid := in[len(in)-1]
		in = in[:len(in)-1]
		if seen[pid] {
			continue
		}
		seen[pid] = true
		out = append(out, all[pid])
		in = append(in, children[pid]...)
	}
	return out, nil
}

// hasEnv reports whether the environment pid started with holds kv. It is
// readable only for this user's processes (or by root).
func hasEnv(pid int, kv string) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		return false
	}
	for _, e := range bytes.Split(b, []byte{0}) {
		if string(e) == kv {
			return true
		}
	}
	return false
}

// ReapOrphans waits for the zombie children of this process that keep
// names not: orphans given to a subreaper that exited by themselves. keep
// names the children an exec.Cmd still waits for (reaping one would make
// its Wait fail); the caller must keep it from changing meanwhile.
func ReapOrphans(keep func(pid int) bool) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	self := os.Getpid()
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || keep(pid) {
			continue
		}
		if st, err := ReadStat(pid); err == nil && st.State == 'Z' && st.PPID == self {
			var ws unix.WaitStatus
			_, _ = unix.Wait4(pid, &ws, unix.WNOHANG, nil)
		}
	}
}
