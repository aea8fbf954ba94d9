package recipe

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"coopcloud.tech/cc-ci/internal/gittest"
)

// serveHTTP serves the bare repositories under root with git http-backend
// on 127.0.0.1 and returns the base URL.
func serveHTTP(t *testing.T, root string) string {
	url, _ := serveCounted(t, root)
	return url
}

// serveCounted is serveHTTP that also records the most requests it served
// at once.
func serveCounted(t *testing.T, root string) (string, *atomic.Int32) {
	t.Helper()
	execPath := gittest.Run(t, root, "--exec-path")
	h := &cgi.Handler{
		Path:   filepath.Join(execPath, "git-http-backend"),
		Env:    []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"},
		Stderr: io.Discard,
	}
	var now, most atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := now.Add(1)
		defer now.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(20 * time.Millisecond) // let concurrent requests overlap
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &most
}

// refusedURL returns an http URL on 127.0.0.1 where nothing listens.
func refusedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/nothing.git"
}

func TestRemoteTags(t *testing.T) {
	dir := newRepo(t)
	root := t.TempDir()
	bare := bareCopy(t, dir, root, "r.git")
	want := forEachRef(t, dir)
	for _, url := range []string{"file://" + bare, bare, serveHTTP(t, root) + "/r.git"} {
		tags, err := RemoteTags(context.Background(), url)
		if err != nil {
			t.Errorf("RemoteTags(%s): %v", url, err)
			continue
		}
		if diff := cmp.Diff(want, tagLines(tags)); diff != "" {
			t.Errorf("RemoteTags(%s) vs git for-each-ref (-want +got):\n%s", url, diff)
		}
	}
}

func TestRemoteTagsRefused(t *testing.T) {
	url := refusedURL(t)
	_, err := RemoteTags(context.Background(), url)
	if err == nil || !contains(err.Error(), url) || !contains(err.Error(), "refused") {
		t.Errorf("RemoteTags(%s) error = %v, want connection refused naming the URL", url, err)
	}
}

func TestRemoteTagsAll(t *testing.T) {
	root := t.TempDir()
	bareCopy(t, newRepo(t), root, "a.git")
	base := serveHTTP(t, root)
	urls := []string{base + "/a.git", refusedURL(t), base + "/missing.git", "file://" + filepath.Join(root, "a.git")}
	got := RemoteTagsAll(context.Background(), urls, 2)
	if len(got) != len(urls) {
		t.Fatalf("RemoteTagsAll gave %d results for %d URLs", len(got), len(urls))
	}
	for i, ok := range []bool{true, false, false, true} {
		r := got[i]
		if r.URL != urls[i] || (r.Err == nil) != ok || (len(r.Tags) == 6) != ok {
			t.Errorf("RemoteTagsAll result %d = {%s, %d tags, %v}, want ok=%v for %s", i, r.URL, len(r.Tags), r.Err, ok, urls[i])
		}
	}
}

func TestRemoteTagsAllCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	root := t.TempDir()
	bareCopy(t, newRepo(t), root, "a.git")
	got := RemoteTagsAll(ctx, []string{"file://" + filepath.Join(root, "a.git"), refusedURL(t)}, 1)
	for _, r := range got {
		if !errors.Is(r.Err, context.Canceled) {
			t.Errorf("RemoteTagsAll(cancelled) %s error = %v, want context.Canceled", r.URL, r.Err)
		}
	}
}

func TestRemoteTagsAllBound(t *testing.T) {
	root := t.TempDir()
	bareCopy(t, newRepo(t), root, "a.git")
	base, most := serveCounted(t, root)
	urls := make([]string, 8)
	for i := range urls {
		urls[i] = base + "/a.git"
	}
	for _, r := range RemoteTagsAll(context.Background(), urls, 2) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	if m := most.Load(); m < 1 || m > 2 {
		t.Errorf("RemoteTagsAll(limit 2) had %d requests at once, want 1 or 2", m)
	}
}
