package env

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"runtime"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"
)

// hashTools fills e.hashes for a content fingerprint: from the cache
// where the file's stamp matches, else by reading the file (in parallel),
// recording what it read for next time.
func (e *Env) hashTools() error {
	c := e.loadCache()
	e.hashes = make(map[string]string, len(e.Tools))
	var todo []string
	for _, tool := range sortedKeys(e.Tools) {
		if sum, ok := c.get("sha256", e.Tools[tool], "", e.stamp(tool)); ok {
			e.hashes[tool] = sum
		} else {
			todo = append(todo, tool)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	start := time.Now()
	sums := make([]string, len(todo))
	stamps := make([]fileStamp, len(todo))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, tool := range todo {
		g.Go(func() error {
			var err error
			sums[i], stamps[i], err = hashFile(e.Tools[tool])
			if err != nil {
				return fmt.Errorf("hashing tool %s: %w", tool, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for i, tool := range todo {
		e.hashes[tool] = sums[i]
		if stamps[i].settled(start) {
			c.put("sha256", e.Tools[tool], "", stamps[i], sums[i])
		}
	}
	return nil
}

// stamp is the tool's resolved file as Resolve saw it, or as it is now
// for an Env built by hand.
func (e *Env) stamp(tool string) fileStamp {
	if s, ok := e.stamps[tool]; ok {
		return s
	}
	if fi, err := os.Lstat(e.Tools[tool]); err == nil {
		return stampOf(fi)
	}
	return fileStamp{}
}

// hashFile returns the hex SHA-256 of the file at path and its stamp; the
// stamp is zero (never recorded) when the file changed while it was read.
func hashFile(path string) (string, fileStamp, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return "", fileStamp{}, err
	}
	defer f.Close()
	before, err := f.Stat()
	if err != nil {
		return "", fileStamp{}, err
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fileStamp{}, err
	}
	after, err := f.Stat()
	if err != nil {
		return "", fileStamp{}, err
	}
	stamp := stampOf(after)
	if stampOf(before) != stamp {
		stamp = fileStamp{}
	}
	return hex.EncodeToString(h.Sum(nil)), stamp, nil
}
