package ccci

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"coopcloud.tech/cc-ci/ccci/env"
)

// testEnv resolves bash and sleep from the host's /usr/bin:/bin.
func testEnv(t *testing.T) *env.Env {
	t.Helper()
	e, err := env.Resolve(env.Spec{Path: []string{"/usr/bin", "/bin"}, Tools: []string{"bash", "sleep"},
		Vars: map[string]string{"FROM_SPEC": "1"}, Pass: []string{"CI"}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// alive reports whether pid is a live (not zombie) process.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	_, after, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(after, "Z") && !strings.HasPrefix(after, "X")
}

func readPIDs(t *testing.T, path string) []int {
	t.Helper()
	var pids []int
	b, _ := os.ReadFile(path)
	for _, f := range strings.Fields(string(b)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("pid file %s: %q", path, b)
		}
		pids = append(pids, pid)
	}
	return pids
}

// waitFile waits until path holds n fields.
func waitFile(t *testing.T, path string, n int) {
	t.Helper()
	for range 500 {
		if b, _ := os.ReadFile(path); len(strings.Fields(string(b))) >= n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never got %d fields", path, n)
}

func TestCommandTimeoutKillsGroup(t *testing.T) {
	tests := []struct {
		name, script string
	}{
		// SIGTERM is enough: the group dies at once.
		{"polite", `sleep 1000 & echo $! >> "$1"; sleep 1000 & echo $! >> "$1"; echo $$ >> "$1"; wait`},
		// Everything ignores SIGTERM: SIGKILL after grace.
		{"stubborn", `trap "" TERM; sleep 1000 & echo $! >> "$1"; (trap "" TERM; sleep 1000) & echo $! >> "$1"; echo $$ >> "$1"; wait; wait`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pidfile := filepath.Join(t.TempDir(), "pids")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			cmd, err := Command(ctx, testEnv(t), []string{"bash", "-c", tt.script, "_", pidfile}, nil, 200*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stdout = new(strings.Builder) // a pipe the background children keep open
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			waitFile(t, pidfile, 3)
			cancel()
			err = cmd.Wait()
			if err == nil {
				t.Errorf("Wait after cancel = nil, want the job killed")
			}
			pids := readPIDs(t, pidfile)
			for range 200 { // SIGKILL is sent, the kernel may take a moment to finish them
				if !alive(pids[0]) && !alive(pids[1]) && !alive(pids[2]) {
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
			for _, pid := range pids {
				if alive(pid) {
					t.Errorf("process %d of the job's group is still alive", pid)
					syscall.Kill(pid, syscall.SIGKILL)
				}
			}
		})
	}
}

func TestCommandEnvironment(t *testing.T) {
	cmd, err := Command(context.Background(), testEnv(t), []string{"bash", "-c", `echo "$PATH $FROM_SPEC ${CI-} ${SECRET_TOKEN-none} $0"`},
		[]string{"CI=true", "SECRET_TOKEN=s3cret", "PATH=/caller/bin"}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.Output()
	want := "/usr/bin:/bin 1 true none bash\n"
	if err != nil || string(out) != want {
		t.Errorf("job output = %q (%v), want %q", out, err, want)
	}
	if cmd.SysProcAttr == nil || !cmd.SysProcAttr.Setpgid {
		t.Errorf("Command: job does not lead its own process group")
	}
}

func TestCommandLeftoversAfterExit(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "pids")
	cmd, err := Command(context.Background(), testEnv(t), []string{"bash", "-c", `sleep 1000 >/dev/null & echo $! > "$1"`, "_", pidfile}, nil, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	pid := readPIDs(t, pidfile)[0]
	if !alive(pid) {
		t.Fatalf("background child %d died by itself; the test proves nothing", pid)
	}
	if err := KillGroup(cmd); err != nil {
		t.Fatal(err)
	}
	for i := 0; alive(pid) && i < 200; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if alive(pid) {
		t.Errorf("KillGroup left background child %d alive", pid)
		syscall.Kill(pid, syscall.SIGKILL)
	}
	if err := KillGroup(cmd); err != nil {
		t.Errorf("KillGroup on a group that is gone = %v, want nil", err)
	}
}

func TestCommandErrors(t *testing.T) {
	e := testEnv(t)
	if _, err := Command(context.Background(), e, nil, nil, 0); !errors.Is(err, ErrUsage) {
		t.Errorf("Command(no argv) = %v, want ErrUsage", err)
	}
	if _, err := Command(context.Background(), e, []string{"no-such-tool-here"}, nil, 0); err == nil {
		t.Errorf("Command(no-such-tool-here) = nil error, want not found")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
}
