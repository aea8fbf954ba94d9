package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// demoRecipes are the recipes, their tags (oldest first) and the canonical
// version the state starts with ("" = never verified).
var demoRecipes = []struct {
	name, canonical string
	tags            []string
}{
	{"gitea", "3.5.3+1.24.2", []string{"3.5.2+1.24.1", "3.5.3+1.24.2", "3.6.0+1.24.2"}},
	// A back-port released after the newest version: latest is by
	// precedence, never by date.
	{"nextcloud", "5.0.3+27.0.1-fpm", []string{"5.0.3+27.0.1-fpm", "6.0.1+28.0.2-fpm", "5.0.4+27.0.2-fpm"}},
	{"keycloak", "10.1.0+26.0.5", []string{"10.0.0+26.0.1", "10.1.0+26.0.5"}},
	{"traefik", "3.2.0+v3.1.2", []string{"3.2.0+v3.1.2", "3.3.0+v3.1.6"}},
	{"uptime-kuma", "", []string{"0.1.0+1.23.13"}},
}

// failing is the recipe whose test fails in the demo.
const failing = "traefik"

// demo is a built demo directory.
type demo struct {
	dir, configPath, configText string
}

// build makes the recipe repositories, the runner, the state and the
// config under dir.
func build(ctx context.Context, dir string) (*demo, error) {
	state := map[string]any{}
	for _, r := range demoRecipes {
		commits, err := makeRepo(ctx, filepath.Join(dir, "recipes", r.name), r.tags)
		if err != nil {
			return nil, err
		}
		if r.canonical != "" {
			state[r.name] = map[string]any{"version": r.canonical, "commit": commits[r.canonical],
				"status": "pass", "ts": time.Now().UTC().Add(-7 * 24 * time.Hour)}
		}
	}
	b, err := json.MarshalIndent(map[string]any{"schema": 1, "recipes": state}, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "state.json"), b, 0o644); err != nil {
		return nil, err
	}
	runner := filepath.Join(dir, "run-recipe-test.sh")
	if err := os.WriteFile(runner, []byte(runnerScript), 0o755); err != nil {
		return nil, err
	}
	paths, err := toolDirs("sh", "git", "sleep")
	if err != nil {
		return nil, err
	}
	text := fmt.Sprintf(configTemplate, quoteList(paths), filepath.Join(dir, "recipes"),
		filepath.Join(dir, "state.json"), runner, filepath.Join(dir, "lock"))
	d := &demo{dir: dir, configPath: filepath.Join(dir, "ccci.toml"), configText: text}
	return d, os.WriteFile(d.configPath, []byte(text), 0o644)
}

const configTemplate = `[env]
path   = [%s]
tools  = ["sh", "git", "sleep"]   # all the runner calls: strict hides the rest
pass   = ["TERM"]
strict = true
[env.vars]
LANG = "C.UTF-8"

[sweep]
recipes = %q
state   = %q
run     = [%q]
lockdir = %q
jobs    = 2
timeout = "2m"
defer   = "1m"
`

// runnerScript stands in for the real recipe test: it checks that it got
// the recipe at the tag's commit, and fails for one recipe.
const runnerScript = `#!/bin/sh
set -e
cd "$ABRA_DIR/recipes/$CCCI_RECIPE"
echo "testing $CCCI_RECIPE ${CCCI_FROM_VERSION:-(fresh install)} -> $CCCI_VERSION"
test "$(git rev-parse HEAD)" = "$CCCI_COMMIT"
sleep 0.3
if [ "$CCCI_RECIPE" = ` + failing + ` ]; then
	echo "FAILED: the app did not answer on https://$CCCI_RECIPE.example.org" >&2
	exit 1
fi
echo ok
`

// makeRepo makes a git repository with one commit and annotated tag per
// tag and returns tag -> commit.
func makeRepo(ctx context.Context, dir string, tags []string) (map[string]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if _, err := git(ctx, dir, "init", "-q", "-b", "main"); err != nil {
		return nil, err
	}
	commits := map[string]string{}
	for _, tag := range tags {
		image := tag[strings.IndexByte(tag, '+')+1:]
		compose := fmt.Sprintf("services:\n  app:\n    image: example/%s:%s\n    deploy:\n      labels:\n"+
			"        - \"coop-cloud.${STACK_NAME}.version=%s\"\n", filepath.Base(dir), image, tag)
		if err := os.WriteFile(filepath.Join(dir, "compose.yml"), []byte(compose), 0o644); err != nil {
			return nil, err
		}
		for _, args := range [][]string{{"add", "."}, {"commit", "-q", "-m", "chore: release " + tag},
			{"tag", "-a", "-m", "release " + tag, tag}} {
			if _, err := git(ctx, dir, args...); err != nil {
				return nil, err
			}
		}
		c, err := git(ctx, dir, "rev-parse", "HEAD")
		if err != nil {
			return nil, err
		}
		commits[tag] = c
	}
	return commits, nil
}

func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=Demo", "GIT_AUTHOR_EMAIL=demo@example.org",
		"GIT_COMMITTER_NAME=Demo", "GIT_COMMITTER_EMAIL=demo@example.org")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return strings.TrimSpace(string(out)), nil
}

// toolDirs is the directories where this machine has the tools, for the
// demo's [env] path (on most machines /usr/bin and /bin).
func toolDirs(tools ...string) ([]string, error) {
	var dirs []string
	for _, t := range tools {
		p, err := exec.LookPath(t)
		if err != nil {
			return nil, fmt.Errorf("the demo needs %s: %w", t, err)
		}
		if p, err = filepath.Abs(p); err != nil {
			return nil, err
		}
		if d := filepath.Dir(p); !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	for _, d := range []string{"/usr/bin", "/bin"} {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() && !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	return dirs, nil
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
