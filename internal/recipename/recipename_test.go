package recipename

import (
	"errors"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, name := range []string{"gitea", "0x", "a.b_c-d", "nextcloud", strings.Repeat("a", MaxLen)} {
		if err := Check(name); err != nil {
			t.Errorf("Check(%q) = %v, want nil", name, err)
		}
	}
	for _, name := range []string{"", ".", "..", "-x", "_x", ".git", "Gitea", "a/b", "a b", "../etc",
		"a\x00", "é", "a\n", strings.Repeat("a", MaxLen+1), strings.Repeat("a", 200)} {
		if err := Check(name); !errors.Is(err, ErrName) {
			t.Errorf("Check(%q) = %v, want ErrName", name, err)
		}
	}
}

func TestCheckMessage(t *testing.T) {
	tests := []struct{ name, want string }{
		{"../etc", `recipe name "../etc": recipe names must match ^[a-z0-9][a-z0-9._-]*$`},
		{strings.Repeat("a", 200), `recipe name "` + strings.Repeat("a", 40) + `": recipe names must match ^[a-z0-9][a-z0-9._-]*$ (1 to 128 bytes)`},
	}
	for _, tt := range tests {
		if err := Check(tt.name); err == nil || err.Error() != tt.want {
			t.Errorf("Check(%.10q...) = %v, want %s", tt.name, err, tt.want)
		}
	}
}

func FuzzCheck(f *testing.F) {
	for _, s := range []string{"gitea", "../etc", "a.b", "-x", strings.Repeat("a", 129)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if Check(name) != nil {
			return
		}
		if len(name) == 0 || len(name) > MaxLen || strings.ContainsAny(name, "/ \x00") ||
			name[0] == '.' || name[0] == '-' || strings.ToLower(name) != name {
			t.Errorf("Check(%q) = nil for a name that may not be safe as a path component", name)
		}
	})
}
