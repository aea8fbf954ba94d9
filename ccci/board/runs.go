package board

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"coopcloud.tech/cc-ci/ccci/sweep"
)

// Files in a run directory: <runs>/<recipe>/<20060102T150405Z>-<tag>/.
const (
	resultFile = sweep.ResultFile
	logFile    = sweep.LogFile
)

// Run is one run directory of a recipe.
type Run struct {
	Name   string       // the directory's base name, <started>-<tag>
	Dir    string       // the directory's path
	Result sweep.Result // what result.json says; zero when Err is set
	Err    error        // result.json missing or unreadable
}

// LogPath is the path of the run's log file, "" when it has none.
func (r Run) LogPath() string {
	name := r.Result.Log
	if name == "" {
		name = logFile
	}
	path := filepath.Join(r.Dir, filepath.Base(name))
	if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
		return ""
	}
	return path
}

// ReadRuns reads the newest limit run directories of recipe under runsDir,
// newest first (by the directory name, which starts with the UTC start
// time). limit <= 0 means all. A missing directory is no runs. A run whose
// result.json cannot be read is kept, with Err saying why, so the board shows
// it rather than hiding it.
func ReadRuns(runsDir, recipe string, limit int) ([]Run, error) {
	parent := filepath.Join(runsDir, recipe)
	entries, err := os.ReadDir(parent)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading runs of %s: %w", recipe, err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(names)))
	if limit > 0 && len(names) > limit {
		names = names[:limit]
	}
	runs := make([]Run, len(names))
	for i, name := range names {
		dir := filepath.Join(parent, name)
		runs[i] = Run{Name: name, Dir: dir}
		res, err := sweep.ReadResult(dir)
		if err != nil {
			runs[i].Err = err
			continue
		}
		runs[i].Result = *res
	}
	return runs, nil
}

// ReadLastSweep reads <runsDir>/last-sweep.json; (nil, nil) when there is none.
func ReadLastSweep(runsDir string) (*sweep.Summary, error) {
	path := filepath.Join(runsDir, sweep.SummaryFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading last sweep %s: %w", path, err)
	}
	var s sweep.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("reading last sweep %s: %w", path, err)
	}
	return &s, nil
}
