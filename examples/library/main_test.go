package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"coopcloud.tech/cc-ci/internal/gittest"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	gittest.Repo(t, filepath.Join(dir, "recipes", "gitea"), "3.5.3+1.24.2", "3.6.0+1.24.2")
	gittest.Repo(t, filepath.Join(dir, "recipes", "keycloak"), "10.1.0+26.0.5")
	gittest.Repo(t, filepath.Join(dir, "recipes", "custom-html"))
	state := `{"schema": 1, "recipes": {"gitea": {"version": "3.5.3+1.24.2", "status": "pass"}}}`
	cfg := "[sweep]\nrecipes = \"" + filepath.Join(dir, "recipes") + "\"\nstate = \"" + filepath.Join(dir, "state.json") + "\"\nrun = [\"/bin/true\"]\n"
	for name, body := range map[string]string{"state.json": state, "ccci.toml": cfg} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-config", filepath.Join(dir, "ccci.toml")}, &stdout, &stderr); code != 0 {
		t.Fatalf("run = %d, want 0; stderr:\n%s", code, stderr.String())
	}
	want := "**cc-ci: 2 of 3 recipes to test**\n" +
		"- `gitea` 3.5.3+1.24.2 → `3.6.0+1.24.2` (new-version)\n" +
		"- `keycloak` none → `10.1.0+26.0.5` (never-verified)\n"
	if diff := cmp.Diff(want, stdout.String()); diff != "" {
		t.Errorf("markdown (-want +got):\n%s", diff)
	}

	if err := os.WriteFile(filepath.Join(dir, "state.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	if code := run(context.Background(), []string{"-config", filepath.Join(dir, "ccci.toml")}, &stdout, &stderr); code != 2 {
		t.Errorf("run with a corrupt state file = %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), "state.json") {
		t.Errorf("the error %q does not name the state file", stderr.String())
	}
}
