// Package atomicfile replaces files so that a reader, or a process killed
// at any moment, sees the old content or the new, never a part: the data
// goes to a temporary file in the target's directory, which is synced,
// renamed over the target, and the directory synced.
//
// A target that is a symbolic link (a NixOS-managed state file, say) is
// written through: the link stays, the file it points to is replaced, also
// when the link dangles. An existing file keeps its permission bits.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// maxLinks bounds a symlink chain, as the kernel's ELOOP does.
const maxLinks = 40

// Target is the file that writing path replaces: path itself, or the end
// of its symlink chain (which need not exist). Relative link targets are
// taken from the link's directory.
func Target(path string) (string, error) {
	for range maxLinks {
		fi, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) || err == nil && fi.Mode()&fs.ModeSymlink == 0 {
			return path, nil
		}
		if err != nil {
			return "", err
		}
		link, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(path), link)
		}
		path = link
	}
	return "", &fs.PathError{Op: "resolve", Path: path, Err: syscall.ELOOP}
}

// TempPrefix starts the names of the temporary files Write makes for a
// target named base.
func TempPrefix(base string) string { return "." + base + ".tmp-" }

// Write replaces the target of path (see Target) with data. A new file
// gets mode perm; an existing one keeps its permission bits. On error the
// target is as it was and no temporary file is left.
func Write(path string, data []byte, perm fs.FileMode) (err error) {
	target, err := Target(path)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if fi, err := os.Stat(target); err == nil {
		perm = fi.Mode().Perm()
	}
	dir := filepath.Dir(target)
	f, err := os.CreateTemp(dir, TempPrefix(filepath.Base(target)))
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
		err = os.Chmod(f.Name(), perm)
	}
	if err == nil {
		err = os.Rename(f.Name(), target)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
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

// RemoveStale removes the temporary files a writer of path killed before
// its rename left in the target's directory. Call it only where no other
// writer can be busy (under the lock writers of path hold).
func RemoveStale(path string) {
	target, err := Target(path)
	if err != nil {
		return
	}
	dir, prefix := filepath.Dir(target), TempPrefix(filepath.Base(target))
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
