package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// TestDemo runs the demo: the first sweep runs the recipes with new tags,
// promotes the passes and not the failure; the second runs nothing.
func TestDemo(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, false); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	first, second, ok := strings.Cut(out.String(), "==> second sweep")
	if !ok {
		t.Fatalf("no second sweep in:\n%s", out.String())
	}
	for _, re := range []string{
		`(?m)^strict = true$`, // the demo runs strict: its runner finds only sh, git and sleep
		`gitea 3\.5\.3\+1\.24\.2 -> 3\.6\.0\+1\.24\.2 \.\.\. pass, promoted`,
		`nextcloud 5\.0\.3\+27\.0\.1-fpm -> 6\.0\.1\+28\.0\.2-fpm \.\.\. pass, promoted`,
		`uptime-kuma - -> 0\.1\.0\+1\.23\.13 \.\.\. pass, promoted`,
		`traefik 3\.2\.0\+v3\.1\.2 -> 3\.3\.0\+v3\.1\.6 \.\.\. fail, log `,
		`keycloak skip, up-to-date`,
		`sweep failed: 3 pass, 1 fail, 1 skipped`,
		`exit code 1 `,
		`(?m)^gitea +3\.6\.0\+1\.24\.2 `,
		`(?m)^traefik +3\.2\.0\+v3\.1\.2 .* fail 3\.3\.0\+v3\.1\.6`,
	} {
		if !regexp.MustCompile(re).MatchString(first) {
			t.Errorf("first sweep lacks %q:\n%s", re, first)
		}
	}
	for _, re := range []string{`traefik skip, known-failure`, `gitea skip, up-to-date`, `sweep ok: 5 skipped`, `exit code 0`} {
		if !regexp.MustCompile(re).MatchString(second) {
			t.Errorf("second sweep lacks %q:\n%s", re, second)
		}
	}
	if strings.Contains(second, "[1/") {
		t.Errorf("second sweep ran something:\n%s", second)
	}
}
