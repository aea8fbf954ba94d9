package sweep

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"coopcloud.tech/cc-ci/ccci"
	"coopcloud.tech/cc-ci/internal/atomicfile"
)

// Init creates the state file with no records, its directory and the
// runs directory: the only way they come into being, so that a mistyped
// path stops every verb instead of re-testing the whole catalogue.
// created is false when a state file that parses is already there; it is
// left as it is. One that does not parse is a *StateError, and is never
// overwritten.
func Init(ctx context.Context, cfg *ccci.Config) (created bool, err error) {
	if cfg == nil {
		return false, errors.New("sweep: no config")
	}
	path := cfg.Sweep.State
	for _, dir := range []string{filepath.Dir(path), cfg.Sweep.Runs} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return false, fmt.Errorf("creating %w", err)
		}
	}
	lock, err := ccci.WaitLock(ctx, path+".lock")
	if err != nil {
		return false, fmt.Errorf("locking state %s: %w", path, err)
	}
	defer lock.Unlock()
	_, err = readState(path)
	if err == nil || !errors.Is(err, errNoState) {
		return false, err
	}
	if target, err := atomicfile.Target(path); err == nil {
		if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
			return false, &StateError{Path: path, Err: fmt.Errorf("%s exists but cannot be read", target)}
		}
	}
	return true, writeState(path, newState())
}
