package cmd

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/faultline-dev/faultline/internal/atomicfile"
)

// addrFileFlag registers --addr-file, shared by the commands that listen.
func addrFileFlag(c *cobra.Command, path *string, what string) {
	c.Flags().StringVar(path, "addr-file", "", "once listening, write "+what+" to this file, one per line "+
		"(with --addr 127.0.0.1:0, a script learns the port the system chose)")
}

// writeAddrFile writes the URLs a command listens on, one per line, in one
// step: a script waiting for the file never reads half of it.
func writeAddrFile(path string, urls ...string) error {
	if path == "" {
		return nil
	}
	if err := atomicfile.Write(path, []byte(strings.Join(urls, "\n")+"\n"), 0o644); err != nil {
		return usageErr(fmt.Errorf("--addr-file: %w", err))
	}
	return nil
}
