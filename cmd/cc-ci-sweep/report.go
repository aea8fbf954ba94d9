package main

import (
	"context"
	"fmt"
	"io"
)

// runReport implements "cc-ci-sweep report -html DIR". Replaced by its implementation.
func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "cc-ci-sweep report: unimplemented")
	return 2
}
