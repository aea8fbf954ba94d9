// Command cc-ci-sweep is the timer job. Replaced by its implementation.
package main

import (
	"context"
	"os"
)

func main() { os.Exit(runReport(context.Background(), os.Args[1:], os.Stdout, os.Stderr)) }
