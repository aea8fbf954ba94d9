// Command demo shows a cc-ci sweep end to end on this machine, with
// nothing but Go and git: it builds a temporary set of recipe repositories
// with real Co-op Cloud style tags, a config, a state file whose canonical
// versions are partly behind, and a small runner script that passes for
// every recipe but one, then runs the real sweep twice through the library
// (first: runs and promotions; second: nothing left to do) and prints what
// an operator would see.
//
// Usage:
//
//	go run ./examples/demo          # everything in a temporary directory, removed after
//	go run ./examples/demo -keep    # keep it, to try cc-ci-sweep -config DIR/ccci.toml
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	keep := flag.Bool("keep", false, "keep the demo directory")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Stdout, *keep)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// run builds the demo in a temporary directory and sweeps it twice.
func run(ctx context.Context, w io.Writer, keep bool) error {
	dir, err := os.MkdirTemp("", "cc-ci-demo-")
	if err != nil {
		return err
	}
	if keep {
		fmt.Fprintf(w, "demo directory: %s (kept)\n", dir)
		defer fmt.Fprintf(w, "\nkept %s: try cc-ci-sweep status -config %s/ccci.toml\n", dir, dir)
	} else {
		defer os.RemoveAll(dir)
	}
	d, err := build(ctx, dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "$ cat %s\n%s\n", d.configPath, d.configText)
	for i, title := range []string{"first sweep: new tags are tested, passes promoted", "second sweep: nothing new"} {
		fmt.Fprintf(w, "==> %s\n\n", title)
		if err := sweepOnce(ctx, w, d); err != nil {
			return fmt.Errorf("sweep %d: %w", i+1, err)
		}
	}
	return nil
}
