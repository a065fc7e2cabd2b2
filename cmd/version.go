package cmd

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func init() { register(newVersionCmd) }

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print faultline's version",
		Long: `Print faultline's version, the Go version it was built with, and the platform.
The version is the one stamped at build time (make dist), else the module
version go install recorded, else "dev" for a build from a checkout.`,
		Example: `  faultline version
  faultline --version`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			fmt.Fprintf(c.OutOrStdout(), "faultline %s (%s, %s/%s)\n", Version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}

// version is stamped at build time with
// -ldflags "-X github.com/faultline-dev/faultline/cmd.version=v1.2.3".
var version = ""

// Version reports faultline's version, as stamped into reports: the one
// stamped at build time, else the module version from the build info
// (`go install module@v1.2.3` records it), else "dev".
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		return moduleVersion(bi)
	}
	return "dev"
}

// moduleVersion is the main module's version in bi, or "dev" for a build
// from a checkout (which Go reports as "(devel)" or leaves empty).
func moduleVersion(bi *debug.BuildInfo) string {
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	return "dev"
}
