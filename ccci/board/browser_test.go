package board

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The board is checked in a real browser: Debian's chromium, headless.
// Without chromium the test skips, unless CI is set: CI must never skip it.
// CCCI_BOARD_SCREENSHOTS=DIR keeps the screenshots for a person to look at.

// chromium finds the browser or skips (fails under CI).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium not found and CI is set: install it (apt-get install -y chromium); the browser test must not be skipped in CI")
	}
	t.Skip("chromium not found: apt-get install -y chromium to run the browser test")
	return ""
}

// browse runs headless chromium with args and the page, returning stdout.
func browse(t *testing.T, browser string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--hide-scrollbars", "--user-data-dir=" + t.TempDir(),
	}
	cmd := exec.CommandContext(ctx, browser, append(base, args...)...)
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

var (
	rowRE  = regexp.MustCompile(`(?s)<tr[^>]*>\s*<td class="name" data-label="Recipe"><a href="[^"]*">([^<]+)</a></td>\s*<td class="status" data-label="Status" data-reason="[^"]*"><span class="v \w+" title="[^"]*">([\w-]+)</span>.*?<td data-label="Last result">(.*?)</td>`)
	linkRE = regexp.MustCompile(`(?:href|src)="([^"#]+)"`)
	tagRE  = regexp.MustCompile(`<[^>]+>`)
)

func TestBrowserBoard(t *testing.T) {
	t.Parallel()
	browser := chromium(t)
	dir := filepath.Join(t.TempDir(), "board")
	if err := Generate(dir, fixture(t), fixtureOptions); err != nil {
		t.Fatalf("Generate = %v", err)
	}
	index := filepath.Join(dir, "index.html")
	dom := string(browse(t, browser, "--dump-dom", "file://"+index))

	// The rows a maintainer reads: name, status word, last verdict word.
	var got []string
	for _, m := range rowRE.FindAllStringSubmatch(dom, -1) {
		last := strings.Fields(tagRE.ReplaceAllString(m[3], " "))
		got = append(got, m[1]+" "+m[2]+" "+strings.Join(last[:min(2, len(last))], " "))
	}
	want := []string{
		"broken unreadable never run",
		"nextcloud known-failure fail 6.0.1+28.0.2-fpm",
		"keycloak new-version timeout 10.1.0+26.0.5",
		"matrix-synapse never-verified never run",
		"traefik new-version never run",
		"wordpress new-version unfinished 2.4.0+6.7.1",
		"custom-html never-released never run",
		"gitea up-to-date pass 3.6.0+1.24.2",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows in the browser (-want +got):\n%s", diff)
	}
	for _, text := range []string{"Last sweep: 2026-11-21 03:00 UTC", "took 1h12m40s", "1 interrupted, 1 deferred, 2 skipped", fixtureFingerprint, "8 recipes:"} {
		if !strings.Contains(tagRE.ReplaceAllString(dom, ""), text) {
			t.Errorf("index.html in the browser lacks %q", text)
		}
	}
	if strings.Contains(dom, "<script") {
		t.Errorf("index.html in the browser holds a script element")
	}
	checkLinks(t, index, dom)

	page := filepath.Join(dir, "recipe", "gitea.html")
	pdom := string(browse(t, browser, "--dump-dom", "file://"+page))
	checkLinks(t, page, pdom)
	if n := strings.Count(pdom, `<td data-label="Verdict">`); n != 3 {
		t.Errorf("recipe/gitea.html in the browser shows %d runs, want 3", n)
	}
	badge := string(browse(t, browser, "--dump-dom", "file://"+filepath.Join(dir, "badge", "gitea.svg")))
	if !strings.Contains(badge, ">up-to-date 3.6.0+1.24.2</text>") {
		t.Errorf("badge/gitea.svg in the browser does not say up-to-date 3.6.0+1.24.2:\n%s", badge)
	}
}

// checkLinks fails for every link of page to a file that does not exist
// (links to web pages, such as a Drone build's, are not followed).
func checkLinks(t *testing.T, page, dom string) {
	t.Helper()
	n := 0
	for _, m := range linkRE.FindAllStringSubmatch(dom, -1) {
		if strings.HasPrefix(m[1], "https://") || strings.HasPrefix(m[1], "http://") {
			continue
		}
		link := strings.TrimPrefix(m[1], "file://")
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(page), link)
		}
		if _, err := os.Stat(link); err != nil {
			t.Errorf("%s links to %s, which does not exist", filepath.Base(page), m[1])
		}
		n++
	}
	if n == 0 {
		t.Errorf("%s has no links in the browser", filepath.Base(page))
	}
}

func TestBrowserScreenshots(t *testing.T) {
	t.Parallel()
	browser := chromium(t)
	dir := filepath.Join(t.TempDir(), "board")
	if err := Generate(dir, fixture(t), fixtureOptions); err != nil {
		t.Fatalf("Generate = %v", err)
	}
	shots := os.Getenv("CCCI_BOARD_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	for _, tt := range []struct{ name, page, size string }{
		{"index-wide.png", "index.html", "1280,900"},
		{"index-phone.png", "index.html", "390,1600"},
		{"recipe-wide.png", "recipe/gitea.html", "1280,700"},
		{"recipe-phone.png", "recipe/nextcloud.html", "390,900"},
	} {
		png := filepath.Join(shots, tt.name)
		browse(t, browser, "--screenshot="+png, "--window-size="+tt.size, "file://"+filepath.Join(dir, tt.page))
		checkPNG(t, png)
	}
}

// checkPNG fails unless path is a PNG with more than one colour in it.
func checkPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot %s: %v", path, err)
	}
	b := img.Bounds()
	first := img.At(b.Min.X, b.Min.Y)
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			if img.At(x, y) != first {
				return
			}
		}
	}
	t.Errorf("screenshot %s is blank", path)
}
