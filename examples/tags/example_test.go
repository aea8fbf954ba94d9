package main

import (
	"context"
	"os"
	"strings"
)

func Example() {
	tags := "5.0.2+27.0.1-fpm\n6.0.1+28.0.2-fpm\n5.0.3+27.0.1-fpm\n0.7.0+3.3.1-9-g7ae7b0f\n"
	run(context.Background(), []string{"-"}, strings.NewReader(tags), os.Stdout, os.Stderr)
	// Output:
	// # stdin
	//   5.0.2+27.0.1-fpm
	//   5.0.3+27.0.1-fpm
	// * 6.0.1+28.0.2-fpm (latest)
	// - tag "0.7.0+3.3.1-9-g7ae7b0f": upstream "3.3.1-9-g7ae7b0f" is `git describe` output
}
