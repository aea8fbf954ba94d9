package ccci

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"coopcloud.tech/cc-ci/ccci/env"
	"coopcloud.tech/cc-ci/internal/atomicfile"
	"coopcloud.tech/cc-ci/internal/proc"
)

// An ActiveRun is a recipe run a sweep has going on this host. The sweep
// writes it to <lockdir>/active/<ID>.json before the run's first process
// starts and removes it when the last one is gone, so that when the sweep
// is killed (SIGKILL: nothing of it runs to clean up) the next cc-ci-sweep
// or cc-ci-run to start finds what it left and ends it (ReapDead).
//
// A run's processes are found three ways, as the kernel allows: its
// cgroup (Cgroup, when the sweep's own cgroup is delegated to it), its
// process group (the Leader's PID), and the variable CCCI_RUN_ID=<ID> in the
// environment each of them started with (which follows setsid and double
// forks).
type ActiveRun struct {
	ID      string    `json:"id"`
	Sweep   proc.ID   `json:"sweep"`             // the sweep's process: PID.START
	Started time.Time `json:"started"`           // when the entry was written
	Leader  proc.ID   `json:"leader,omitempty"`  // the run's first process, leading its group, once started
	Cgroup  string    `json:"cgroup,omitempty"`  // the run's cgroup directory, if any
	Recipe  string    `json:"recipe,omitempty"`  // what the run tests
	Version string    `json:"version,omitempty"` // the tag under test
	Commit  string    `json:"commit,omitempty"`
	RunDir  string    `json:"run_dir,omitempty"` // where its log and result.json go
	Abra    string    `json:"abra,omitempty"`    // the run's temporary ABRA_DIR
	Reaped  bool      `json:"reaped,omitempty"`  // its processes were ended after the sweep died
}

// VarRunID is the variable that marks every process of a sweep's recipe
// run: its ActiveRun's ID.
const VarRunID = "CCCI_RUN_ID"

// activeDir holds the ActiveRun entries. It is 0700: entries name
// processes to kill, so only the sweep's user writes or reads them.
func activeDir(lockdir string) string { return filepath.Join(lockdir, "active") }

// Register writes the entry (creating <lockdir>/active when missing),
// replacing an earlier write of the same run.
func (r *ActiveRun) Register(lockdir string) error {
	dir := activeDir(lockdir)
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("recording the active run: %w", err)
	}
	if err := ownDir(dir); err != nil {
		return fmt.Errorf("recording the active run: %w", err)
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(dir, r.ID+".json"), append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("recording the active run: %w", err)
	}
	return nil
}

// Forget removes the entry; one already gone is no error.
func (r *ActiveRun) Forget(lockdir string) error {
	defer atomicfile.RemoveStale(filepath.Join(activeDir(lockdir), r.ID+".json")) // a killed write's
	err := os.Remove(filepath.Join(activeDir(lockdir), r.ID+".json"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("removing the active run's entry: %w", err)
	}
	return nil
}

// Kill ends every process of the run: its cgroup's, its group's and those
// marked with its ID, then removes the cgroup.
func (r *ActiveRun) Kill() error {
	var errs []error
	cg := &proc.Cgroup{Dir: r.Cgroup}
	if r.Cgroup != "" {
		errs = append(errs, cg.Kill(5*time.Second))
	}
	// The group is the leader's PID, unless that PID now names another
	// process: a group keeps its ID while it has members, so it can only
	// have been reused once the whole group was gone.
	pgid := r.Leader.PID()
	if st, err := proc.ReadStat(pgid); err == nil && proc.IDOf(st) != r.Leader {
		pgid = 0
	}
	_, err := proc.Tree{PGID: pgid, Mark: VarRunID + "=" + r.ID}.Kill()
	errs = append(errs, err)
	if r.Cgroup != "" {
		errs = append(errs, cg.Remove())
	}
	return errors.Join(errs...)
}

// ReapDead ends the processes of every run whose sweep is gone (killed,
// or crashed) and returns those runs' entries: a sweep then writes their
// results and removes their temporary directories and the entries
// (Forget). It writes nothing itself, so a cc-ci-run may call it while a
// sweep runs; until the next sweep forgets them, each call looks for the
// dead runs' processes again (one pass over /proc).
// Entries this user does not own are left alone, as are unreadable ones
// (reported in the error). A missing or unreadable active directory (a CI
// user who is not the sweep's) is no error: there is nothing this user
// could end.
//
// It costs one directory read when no run is active, so cc-ci-run calls it
// at every start.
func ReapDead(lockdir string) ([]*ActiveRun, error) {
	dir := activeDir(lockdir)
	entries, err := os.ReadDir(dir)
	if err != nil || ownDir(dir) != nil {
		return nil, nil
	}
	var dead []*ActiveRun
	var errs []error
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".json") || strings.HasPrefix(name, ".") {
			continue
		}
		path := filepath.Join(dir, name)
		r, err := readActive(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if r == nil || r.Sweep.Alive() {
			continue
		}
		if err := r.Kill(); err != nil {
			errs = append(errs, fmt.Errorf("ending run %s of dead sweep %s: %w", r.ID, r.Sweep, err))
		}
		dead = append(dead, r)
	}
	return dead, errors.Join(errs...)
}

// CheckActiveDir reports why the sweep could not record its runs in
// <lockdir>/active: it belongs to another user, is writable by others, or
// is not a directory. A missing one is fine (Register makes it).
func CheckActiveDir(lockdir string) error {
	err := ownDir(activeDir(lockdir))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// ownDir checks that dir is a directory of this user that nobody else
// may write: another user sharing the lock directory must not be able to
// remove or swap the entries.
func ownDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	reason := "belongs to another user"
	switch st, _ := fi.Sys().(*syscall.Stat_t); {
	case !fi.IsDir():
		reason = "is not a directory"
	case env.OwnedAlone(fi):
		return nil
	case st != nil && int(st.Uid) == os.Geteuid():
		reason = "is writable by others"
	}
	return fmt.Errorf("%s %s (mode %v)", dir, reason, fi.Mode())
}

// RemoveStaleEntries removes what writes of entries left when their
// sweep was killed mid-write, and entries that do not parse (ReapDead
// reports them; nobody can tell what they named), and returns the paths
// of the latter. Only a sweep calls it, holding the sweep lock, before its
// first run: nobody else writes entries.
func RemoveStaleEntries(lockdir string) (corrupt []string) {
	dir := activeDir(lockdir)
	if ownDir(dir) != nil {
		return nil
	}
	stale, _ := filepath.Glob(filepath.Join(dir, atomicfile.TempPrefix("*")+"*"))
	for _, p := range stale {
		_ = os.Remove(p)
	}
	entries, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, p := range entries {
		if _, err := readActive(p); err != nil && os.Remove(p) == nil {
			corrupt = append(corrupt, p)
		}
	}
	return corrupt
}

// readActive reads an entry, nil when it is not this user's alone.
func readActive(path string) (*ActiveRun, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading active run: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading active run: %w", err)
	}
	if !fi.Mode().IsRegular() || !env.OwnedAlone(fi) {
		return nil, nil
	}
	var r ActiveRun
	if err := json.NewDecoder(f).Decode(&r); err != nil || r.ID+".json" != filepath.Base(path) {
		return nil, fmt.Errorf("active run %s: not an entry cc-ci wrote (%v)", path, err)
	}
	return &r, nil
}
