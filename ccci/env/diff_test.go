package env

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDiff(t *testing.T) {
	old := Spec{
		Path:  []string{"/nix/store/aaa-tools/bin", "/usr/bin", "/bin"},
		Tools: []string{"git", "git-lfs", "abra", "jq"},
		Vars:  map[string]string{"HOME": "/h", "PLAYWRIGHT_BROWSERS_PATH": "/nix/store/bbb", "LANG": "C"},
		Pass:  []string{"DRONE_BRANCH", "CI", "TERM", "CI_*"},
	}
	tests := []struct {
		name string
		new  Spec
		want []Drop
	}{
		{"same", old, nil},
		{"superset, changed values, wider globs", Spec{
			Path:  []string{"/usr/local/bin", "/nix/store/aaa-tools/bin", "/usr/bin", "/bin"},
			Tools: []string{"jq", "abra", "git-lfs", "git", "python3"},
			Vars:  map[string]string{"HOME": "/other", "PLAYWRIGHT_BROWSERS_PATH": "/nix/store/ccc", "LANG": "C.UTF-8"},
			Pass:  []string{"DRONE_*", "CI", "TERM", "CI*"},
		}, nil},
		{"the incident: a PATH without git-lfs", Spec{
			Path:  []string{"/nix/store/zzz-coreutils/bin"},
			Tools: []string{"git", "abra", "jq"},
			Vars:  map[string]string{"HOME": "/h"},
			Pass:  []string{"DRONE_COMMIT", "TERM"},
		}, []Drop{
			{"tool", "git-lfs"},
			{"dir", "/bin"},
			{"dir", "/nix/store/aaa-tools/bin"},
			{"dir", "/usr/bin"},
			{"var", "LANG"},
			{"var", "PLAYWRIGHT_BROWSERS_PATH"},
			{"pass", "CI"},
			{"pass", "CI_*"},
			{"pass", "DRONE_BRANCH"},
		}},
		{"empty", Spec{}, []Drop{
			{"tool", "abra"}, {"tool", "git"}, {"tool", "git-lfs"}, {"tool", "jq"},
			{"dir", "/bin"}, {"dir", "/nix/store/aaa-tools/bin"}, {"dir", "/usr/bin"},
			{"var", "HOME"}, {"var", "LANG"}, {"var", "PLAYWRIGHT_BROWSERS_PATH"},
			{"pass", "CI"}, {"pass", "CI_*"}, {"pass", "DRONE_BRANCH"}, {"pass", "TERM"},
		}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, Diff(old, tt.new)); diff != "" {
			t.Errorf("%s: Diff (-want +got):\n%s", tt.name, diff)
		}
	}
	if got := Diff(Spec{}, old); got != nil {
		t.Errorf("Diff(Spec{}, %+v) = %v, want nil", old, got)
	}
}
