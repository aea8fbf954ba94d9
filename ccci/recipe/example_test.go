package recipe_test

import (
	"encoding/json"
	"fmt"

	"coopcloud.tech/cc-ci/ccci/recipe"
)

func ExampleParse() {
	for _, tag := range []string{"3.0.10+1.10.8", "1.0.0-rc.1+2.3", "v2.4.8", "0.7.0+3.3.1-9-g7ae7b0f"} {
		v, err := recipe.Parse(tag)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s: %s %d.%d.%d upstream %q\n", v, v.Class(), v.Major(), v.Minor(), v.Patch(), v.Upstream())
	}
	// Output:
	// 3.0.10+1.10.8: release 3.0.10 upstream "1.10.8"
	// 1.0.0-rc.1+2.3: prerelease 1.0.0 upstream "2.3"
	// v2.4.8: legacy 2.4.8 upstream ""
	// tag "0.7.0+3.3.1-9-g7ae7b0f": upstream "3.3.1-9-g7ae7b0f" is `git describe` output
}

func ExampleCompare() {
	a, _ := recipe.Parse("3.5.3+1.24.2")
	b, _ := recipe.Parse("3.5.3+1.25.0")
	fmt.Println(recipe.Compare(a, b), a == b)
	// Output: 0 false
}

func ExampleReleases() {
	releases, skipped := recipe.Releases([]string{
		"6.0.1+28.0.2-fpm", "5.0.3+27.0.1-fpm", "5.0.2+27.0.1-fpm", "v2.4.8", "7ae7b0f7+U",
	})
	fmt.Println(releases)
	for _, e := range skipped {
		fmt.Println("skipped", e)
	}
	// Output:
	// [5.0.2+27.0.1-fpm 5.0.3+27.0.1-fpm 6.0.1+28.0.2-fpm]
	// skipped tag "v2.4.8": legacy tag without '+', not a release
	// skipped tag "7ae7b0f7+U": recipe version "7ae7b0f7" is not MAJOR.MINOR.PATCH
}

func ExampleLatest() {
	// 5.0.3 was tagged after 6.0.1 (a back-port): the latest is still 6.0.1.
	v, ok := recipe.Latest([]string{"5.0.2+27.0.1-fpm", "6.0.1+28.0.2-fpm", "5.0.3+27.0.1-fpm"})
	fmt.Println(v, ok)
	// A recipe from before the '+' scheme.
	v, ok = recipe.Latest([]string{"v1.0.0", "v1.0.3", "v1.0.2"})
	fmt.Println(v, ok)
	// Output:
	// 6.0.1+28.0.2-fpm true
	// v1.0.3 true
}

func ExampleSort() {
	var vs []recipe.Version
	for _, tag := range []string{"3.0.10+1.10.8", "3.5.3+1.25.0", "3.0.9+1.10.7", "3.5.3+1.24.2"} {
		v, _ := recipe.Parse(tag)
		vs = append(vs, v)
	}
	recipe.Sort(vs)
	fmt.Println(vs)
	// Output: [3.0.9+1.10.7 3.0.10+1.10.8 3.5.3+1.24.2 3.5.3+1.25.0]
}

func ExampleVersion_MarshalText() {
	var state struct {
		Version recipe.Version `json:"version"`
	}
	_ = json.Unmarshal([]byte(`{"version": "2.0.1+1.0.6-social-amd64"}`), &state)
	b, _ := json.Marshal(state)
	fmt.Println(state.Version.Class(), string(b))
	// Output: release {"version":"2.0.1+1.0.6-social-amd64"}
}

func ExampleValidName() {
	fmt.Println(recipe.ValidName("gitea"))
	fmt.Println(recipe.ValidName("../etc"))
	// Output:
	// <nil>
	// recipe name "../etc": recipe names must match ^[a-z0-9][a-z0-9._-]*$
}
