package cmd

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

func init() { register(newInitCmd) }

//go:embed starter.yaml
var starterScenario []byte

func newInitCmd() *cobra.Command {
	force := false
	c := &cobra.Command{
		Use:   "init [FILE]",
		Short: "Write a commented starter scenario",
		Long: `Write a commented starter scenario to FILE (default faultline-scenario.yaml),
or to standard output with "-". It never overwrites a file unless --force.`,
		Example: `  faultline init my-api.yaml && faultline run my-api.yaml`,
		Args:    cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			path := "faultline-scenario.yaml"
			if len(args) == 1 {
				path = args[0]
			}
			return writeStarter(c.OutOrStdout(), path, force)
		},
	}
	c.Flags().BoolVar(&force, "force", false, "overwrite FILE if it exists")
	return c
}

func writeStarter(stdout io.Writer, path string, force bool) error {
	if path == "-" {
		_, err := stdout.Write(starterScenario)
		return err
	}
	if _, err := os.Stat(path); err == nil && !force {
		return usageErr(fmt.Errorf("%s exists: choose another name or pass --force", path))
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return internalErr(err)
	}
	if err := os.WriteFile(path, starterScenario, 0o644); err != nil {
		return internalErr(err)
	}
	fmt.Fprintf(stdout, "wrote %s: edit it, then run: faultline run %s\n", path, path)
	return nil
}
