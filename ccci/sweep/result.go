package sweep

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// RunDirLayout is the time format of a run directory's name:
// <runs>/<recipe>/<started, UTC, 20060102T150405Z>-<to>/.
const RunDirLayout = "20060102T150405Z"

// ResultFile and LogFile are the files in a run directory.
const (
	ResultFile = "result.json"
	LogFile    = "log"
)

// makeRunDir creates a fresh run directory for one run of recipe at version
// to, started at t. Two runs started in the same second get "-2", "-3", ...
func makeRunDir(runs, recipe, to string, t time.Time) (string, error) {
	parent := filepath.Join(runs, recipe)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("making run directory %s: %w", parent, err)
	}
	base := t.UTC().Format(RunDirLayout) + "-" + to
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

// WriteResult writes r as dir/result.json atomically: a temporary file in
// dir, fsync, rename, fsync of dir. A reader sees the old file or the new
// one, never a part.
func WriteResult(dir string, r *Result) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding result for %s: %w", r.Recipe, err)
	}
	return writeAtomic(filepath.Join(dir, ResultFile), append(b, '\n'))
}

// ReadResult reads dir/result.json.
func ReadResult(dir string) (*Result, error) {
	path := filepath.Join(dir, ResultFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading result %s: %w", path, err)
	}
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("reading result %s: %w", path, err)
	}
	return &r, nil
}

// writeAtomic replaces path with data: temp file in the same directory,
// fsync, rename, fsync the directory. A reader sees the old file or the
// new one, never a part. The state file, result.json and the sweep
// summary are all written this way.
func writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, tempPrefix(path))
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	return nil
}
