package cmd

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/scenarios"
)

func init() { register(newValidateCmd) }

func newValidateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check scenario and plan files without running them",
		Long: `Validate scenario files (and fault plan files) and report every problem with
its file:line:col. Exit 0 when all are valid, 2 when any is not.`,
		Example: `  faultline validate scenarios/*.yaml`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return validateFiles(c.OutOrStdout(), c.ErrOrStderr(), args)
		},
	}
}

func validateFiles(stdout, stderr io.Writer, files []string) error {
	bad := 0
	for _, f := range files {
		what, err := validateFile(f)
		if err != nil {
			fmt.Fprintln(stderr, err)
			bad++
			continue
		}
		fmt.Fprintf(stdout, "ok %s (%s)\n", f, what)
	}
	if bad > 0 {
		return usageErr(fmt.Errorf("%d of %d files invalid", bad, len(files)))
	}
	return nil
}

// validateFile loads f as a scenario, or as a plan when it has no name and
// routes at the top level.
func validateFile(f string) (string, error) {
	data, err := os.ReadFile(f)
	if err != nil {
		return "", err
	}
	if isPlan(data) {
		p, err := fault.LoadPlan(f, data)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("plan, %d routes", len(p.Routes)), nil
	}
	sc, err := scenarios.Load(f, data)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("scenario %q, %d checks", sc.Name, len(sc.Checks)), nil
}

// isPlan reports whether a file is a bare fault plan: routes at the top
// level and no scenario keys. Anything else is judged as a scenario, so its
// errors speak of scenarios.
func isPlan(data []byte) bool {
	var top map[string]yaml.Node
	if yaml.Unmarshal(data, &top) != nil {
		return false
	}
	_, routes := top["routes"]
	_, name := top["name"]
	_, checks := top["checks"]
	return routes && !name && !checks
}
