package env

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The cache keeps what is costly to learn about a tool file, its SHA-256
// and its version, in RuntimeDir/<uid>/cache, one file per user. An entry
// holds for a file only while its device, inode, size, mtime and ctime
// are those recorded: any write to the file, a new file at the path or a
// copy elsewhere changes at least one of them (ctime cannot be set back by
// anyone but the clock).
//
// Format: the line "cc-ci env cache 1", then one line per entry,
//
//	kind TAB dev TAB ino TAB size TAB mtime TAB ctime TAB path TAB arg TAB value
//
// kind "sha256" (arg empty, value the hex hash), "version" (arg the
// version flag, value the version found) or "meets" (arg the version flag,
// a newline and a constraint the version meets, value "yes"); times in
// nanoseconds since
// 1970; in path, arg and value every backslash is written "\\", every tab
// "\t" and every newline "\n". A file that does not parse, is not a
// regular file owned by the invoking user, or is writable by group or
// others, is ignored and rewritten: it is never trusted. Writes go to a
// temporary file renamed over the cache, so a reader sees a whole file;
// when two processes write at once, the last one's entries win and the
// other's are learnt again.

const (
	cacheHeader = "cc-ci env cache 1"
	cacheName   = "cache"
	cacheMax    = 4096    // entries; beyond, only those used by this process are kept
	cacheSize   = 4 << 20 // bytes; a larger file is corrupt
)

// racyWindow: an entry is recorded only for a file whose mtime and ctime
// are this much older than the moment it was read. A file changed twice
// within one tick of the file system's clock keeps its times; had the
// first version been recorded, the second would pass for it (git's
// "racy clean" problem). Tests lower it.
var racyWindow = time.Second

// fileStamp identifies one version of a file.
type fileStamp struct {
	dev, ino     uint64
	size         int64
	mtime, ctime int64 // nanoseconds
}

func stampOf(fi fs.FileInfo) fileStamp {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileStamp{size: fi.Size(), mtime: fi.ModTime().UnixNano()}
	}
	return fileStamp{dev: uint64(st.Dev), ino: st.Ino, size: st.Size, mtime: st.Mtim.Nano(), ctime: st.Ctim.Nano()}
}

// settled reports whether the file had not changed for racyWindow before
// start, the moment its content was read: then its stamp can stand for it.
func (s fileStamp) settled(start time.Time) bool {
	limit := start.Add(-racyWindow).UnixNano()
	return s.ino != 0 && s.ctime < limit && s.mtime < limit
}

type cacheKey struct{ kind, path, arg string }

type cacheEntry struct {
	stamp fileStamp
	value string
	used  bool // looked up or set by this process
}

// cache is the cache file, read once; path "" means no cache (no runtime
// directory, or one that cannot be used): lookups miss, nothing is saved.
type cache struct {
	path    string
	entries map[cacheKey]*cacheEntry
	dirty   bool // to be written: new entries, or a file to replace
}

// loadCache reads the cache on first use.
func (e *Env) loadCache() *cache {
	if e.cache != nil {
		return e.cache
	}
	c := &cache{entries: map[cacheKey]*cacheEntry{}}
	e.cache = c
	if dir, err := e.userDir(); err == nil {
		c.path = filepath.Join(dir, cacheName)
		c.dirty = !c.read()
	}
	return c
}

// saveCache writes the cache if it changed; failing is only slower later.
func (e *Env) saveCache() {
	if e.cache != nil {
		e.cache.save()
	}
}

func (c *cache) get(kind, path, arg string, stamp fileStamp) (string, bool) {
	ent, ok := c.entries[cacheKey{kind, path, arg}]
	if !ok || ent.stamp != stamp || stamp.ino == 0 {
		return "", false
	}
	ent.used = true
	return ent.value, true
}

func (c *cache) put(kind, path, arg string, stamp fileStamp, value string) {
	c.entries[cacheKey{kind, path, arg}] = &cacheEntry{stamp: stamp, value: value, used: true}
	c.dirty = true
}

// read loads the file and reports whether it can stay as it is: true for
// a trusted file that parses, or none at all.
func (c *cache) read() bool {
	f, err := os.OpenFile(c.path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return true
	}
	if err != nil {
		return false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !OwnedAlone(fi) || !fi.Mode().IsRegular() {
		return false
	}
	data, err := io.ReadAll(io.LimitReader(f, cacheSize+1))
	if err != nil || len(data) > cacheSize {
		return false
	}
	entries, ok := parseCache(data)
	if !ok {
		return false
	}
	c.entries = entries
	return true
}

// OwnedAlone reports whether fi is the invoking user's and only theirs to
// write (no group or other write bit): the rule for the files cc-ci keeps
// for itself under the runtime directory (strict views, the tool cache,
// the sweep's active runs).
func OwnedAlone(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Geteuid() && fi.Mode().Perm()&0o022 == 0
}

func parseCache(data []byte) (map[cacheKey]*cacheEntry, bool) {
	entries := map[cacheKey]*cacheEntry{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, cacheSize)
	if !sc.Scan() || sc.Text() != cacheHeader {
		return nil, false
	}
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 9 || f[0] != "sha256" && f[0] != "version" && f[0] != "meets" {
			return nil, false
		}
		var n [5]int64
		for i := range n {
			var err error
			if n[i], err = strconv.ParseInt(f[i+1], 10, 64); err != nil {
				return nil, false
			}
		}
		path, ok1 := unescapeField(f[6])
		arg, ok2 := unescapeField(f[7])
		value, ok3 := unescapeField(f[8])
		if !ok1 || !ok2 || !ok3 {
			return nil, false
		}
		st := fileStamp{dev: uint64(n[0]), ino: uint64(n[1]), size: n[2], mtime: n[3], ctime: n[4]}
		entries[cacheKey{f[0], path, arg}] = &cacheEntry{stamp: st, value: value}
	}
	return entries, sc.Err() == nil
}

// save replaces the file with the entries, when there is something new.
func (c *cache) save() {
	if c.path == "" || !c.dirty {
		return
	}
	keys := make([]cacheKey, 0, len(c.entries))
	for k, ent := range c.entries {
		if ent.used || len(c.entries) <= cacheMax {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b cacheKey) int {
		return strings.Compare(a.kind+"\x00"+a.path+"\x00"+a.arg, b.kind+"\x00"+b.path+"\x00"+b.arg)
	})
	var b strings.Builder
	b.WriteString(cacheHeader + "\n")
	for _, k := range keys {
		ent := c.entries[k]
		s := ent.stamp
		for _, field := range []string{k.kind, strconv.FormatUint(s.dev, 10), strconv.FormatUint(s.ino, 10),
			strconv.FormatInt(s.size, 10), strconv.FormatInt(s.mtime, 10), strconv.FormatInt(s.ctime, 10)} {
			b.WriteString(field + "\t")
		}
		b.WriteString(escapeField(k.path) + "\t" + escapeField(k.arg) + "\t" + escapeField(ent.value) + "\n")
	}
	if writeReplace(c.path, []byte(b.String())) == nil {
		c.dirty = false
	}
}

// writeReplace writes data to a new file beside path, mode 0644, and
// renames it over path. No fsync: it is a cache in a runtime directory.
func writeReplace(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		_ = os.Remove(f.Name())
	}
	return err
}

var fieldEscaper = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`)

func escapeField(s string) string { return fieldEscaper.Replace(s) }

// unescapeField undoes escapeField; false for an escape it never writes.
func unescapeField(s string) (string, bool) {
	if !strings.ContainsRune(s, '\\') {
		return s, true
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		if i++; i == len(s) {
			return "", false
		}
		switch s[i] {
		case '\\':
			b.WriteByte('\\')
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		default:
			return "", false
		}
	}
	return b.String(), true
}
