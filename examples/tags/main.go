// Tags prints recipe tags in recipe order, marks the latest release and
// says why each other tag is not a release.
//
// Usage:
//
//	go run ./examples/tags          built-in real Co-op Cloud tags
//	go run ./examples/tags DIR      the tags of the git repository DIR
//	go run ./examples/tags -        tags from stdin, one a line
//
// Exit status: 0 when done, 1 when the tags cannot be read, 2 for bad usage.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
