package sweep

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"coopcloud.tech/cc-ci/internal/atomicfile"
)

// The runs directory: <runs>/<recipe>/<started>-<to>/{result.json,log}
// per run, and <runs>/last-sweep.json, the last sweep's Summary.
const (
	runDirLayout = "20060102T150405Z" // the UTC start time that begins a run directory's name
	resultFile   = "result.json"
	logFile      = "log"
	summaryFile  = "last-sweep.json"
)

// makeRunDir creates a fresh run directory for one run of recipe at version
// to, started at t. Two runs started in the same second get "-2", "-3", ...
func makeRunDir(runs, recipe, to string, t time.Time) (string, error) {
	parent := filepath.Join(runs, recipe)
	if err := os.Mkdir(parent, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("making run directory %s: %w", parent, err)
	}
	base := t.UTC().Format(runDirLayout) + "-" + to
	for i := 1; ; i++ {
		name := base
		if i > 1 {
			name += "-" + strconv.Itoa(i)
		}
		dir := filepath.Join(parent, name)
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !errors.Is(err, fs.ErrExist) || i >= 100 {
			return "", fmt.Errorf("making run directory %s: %w", dir, err)
		}
	}
}

// writeResult writes r as r.Dir/result.json atomically.
func writeResult(r *RunRecord) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding result for %s: %w", r.Recipe, err)
	}
	return atomicfile.Write(filepath.Join(r.Dir, resultFile), append(b, '\n'), 0o644)
}

// readRun reads the run directory dir. When result.json cannot be read
// the record says why in Err, with the start time and tag taken from the
// directory's name.
func readRun(recipe, dir string) RunRecord {
	path := filepath.Join(dir, resultFile)
	r := RunRecord{Recipe: recipe}
	b, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(b, &r)
	}
	if err != nil {
		r = RunRecord{Recipe: recipe, Err: fmt.Errorf("reading result %s: %w", path, err), ExitStatus: -1}
		r.Started, r.To = fromRunName(filepath.Base(dir))
	}
	r.Dir = dir
	return r
}

// fromRunName recovers the start time and tag from a run directory's
// name, <20060102T150405Z>-<tag>[-N].
func fromRunName(name string) (time.Time, string) {
	stamp, tag, ok := strings.Cut(name, "-")
	t, err := time.Parse(runDirLayout, stamp)
	if !ok || err != nil {
		return time.Time{}, ""
	}
	if i := strings.LastIndexByte(tag, '-'); i > 0 && strings.Contains(tag[:i], "+") && isDigits(tag[i+1:]) {
		tag = tag[:i] // "-2": a second run started in the same second
	}
	return t, tag
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// readRuns reads the newest limit run directories of recipe under runs,
// newest first (by the directory name, which starts with the UTC start
// time). A missing directory is no runs. A run whose result.json cannot
// be read is kept, with Err saying why.
func readRuns(runs, recipe string, limit int) ([]RunRecord, error) {
	parent := filepath.Join(runs, recipe)
	names, _, err := listRuns(parent)
	if err != nil {
		return nil, err
	}
	if len(names) > limit {
		names = names[:limit]
	}
	out := make([]RunRecord, len(names))
	for i, name := range names {
		out[i] = readRun(recipe, filepath.Join(parent, name))
	}
	return out, nil
}

// listRuns lists the run directories in parent, newest first (by the
// name, which starts with the UTC start time), and apart the ones a
// removal left behind. A missing parent holds none.
func listRuns(parent string) (names, removing []string, err error) {
	entries, err := os.ReadDir(parent)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading runs of %s: %w", filepath.Base(parent), err)
	}
	for _, e := range entries {
		switch name := e.Name(); {
		case !e.IsDir():
		case strings.HasPrefix(name, ".") && strings.HasSuffix(name, removingSuffix):
			removing = append(removing, name)
		case !strings.HasPrefix(name, "."):
			names = append(names, name)
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(names)))
	return names, removing, nil
}

// LogPath is the path of the run's log file, "" when it has none.
func (r RunRecord) LogPath() string {
	name := r.Log
	if name == "" {
		name = logFile
	}
	path := filepath.Join(r.Dir, filepath.Base(name))
	if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
		return ""
	}
	return path
}

// writeSummary writes s to <runs>/last-sweep.json atomically.
func writeSummary(runs string, s *Summary) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding sweep summary: %w", err)
	}
	return atomicfile.Write(filepath.Join(runs, summaryFile), append(b, '\n'), 0o644)
}

// readSummary reads <runs>/last-sweep.json; (nil, nil) when there is none.
func readSummary(runs string) (*Summary, error) {
	path := filepath.Join(runs, summaryFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading last sweep %s: %w", path, err)
	}
	var s Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("reading last sweep %s: %w", path, err)
	}
	return &s, nil
}
