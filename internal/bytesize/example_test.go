package bytesize_test

import (
	"fmt"

	"coopcloud.tech/cc-ci/internal/bytesize"
)

func ExampleParse() {
	n, err := bytesize.Parse("5GiB")
	fmt.Println(n, err, bytesize.Format(n))
	// Output: 5368709120 <nil> 5 GiB
}
