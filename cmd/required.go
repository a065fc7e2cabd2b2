package cmd

import "github.com/spf13/cobra"

// requireFlags marks flags cobra must see before RunE runs. A missing one is
// cobra's one-line `required flag(s) "NAME" not set`, exit 2 like every
// usage error.
func requireFlags(c *cobra.Command, names ...string) {
	for _, n := range names {
		if err := c.MarkFlagRequired(n); err != nil {
			panic(err) // a misspelt flag name: a bug in this package
		}
	}
}
