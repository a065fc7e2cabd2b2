// Command faultline is a chaos and contract testing toolkit for API integrations.
// See README.md, or run `faultline help`.
package main

import (
	"os"

	"github.com/faultline-dev/faultline/cmd"
)

func main() {
	os.Exit(cmd.Execute(os.Args[1:], os.Stdout, os.Stderr))
}
