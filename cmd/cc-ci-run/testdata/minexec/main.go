// Command minexec is the floor for any Go wrapper: Go's own start-up, then
// syscall.Exec of its first argument. Built by the benchmark only.
package main

import (
	"os"
	"syscall"
)

func main() {
	err := syscall.Exec(os.Args[1], os.Args[1:], os.Environ())
	os.Stderr.WriteString(err.Error() + "\n")
	os.Exit(127)
}
