package recipename_test

import (
	"fmt"

	"coopcloud.tech/cc-ci/internal/recipename"
)

func ExampleCheck() {
	fmt.Println(recipename.Check("gitea"))
	fmt.Println(recipename.Check("Gitea"))
	// Output:
	// <nil>
	// recipe name "Gitea": recipe names must match ^[a-z0-9][a-z0-9._-]*$
}
