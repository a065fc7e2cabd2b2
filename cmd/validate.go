package cmd

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/faultline-dev/faultline/internal/english"
	"github.com/faultline-dev/faultline/scenarios"
)

func init() { register(newValidateCmd) }

func newValidateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate PATH...",
		Short: "Check scenario and plan files without running them",
		Long: `Validate scenario files (and fault plan files) and report every problem with
its file:line:col. A folder is searched recursively for *.yaml and *.yml
files (skipping testdata and folders starting with . or _); cassettes and
other YAML found there are left alone. Exit 0 when all are valid, 2 when
any is not.`,
		Example: `  faultline validate scenarios/                 # every scenario and plan below a folder
  faultline validate scenarios/library/*.yaml    # some files`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return validateFiles(c.OutOrStdout(), c.ErrOrStderr(), args)
		},
	}
}

func validateFiles(stdout, stderr io.Writer, paths []string) error {
	files, err := scenarios.Files(paths)
	if err != nil {
		return usageErr(err)
	}
	named := map[string]bool{}
	for _, p := range paths {
		named[filepath.Clean(p)] = true
	}
	bad, checked := 0, 0
	for _, f := range files {
		what, err := validateFile(f, named[filepath.Clean(f)])
		switch {
		case err != nil:
			fmt.Fprintln(stderr, err)
			bad++
		case what != "":
			fmt.Fprintf(stdout, "ok %s (%s)\n", f, what)
		}
		if err != nil || what != "" {
			checked++
		}
	}
	if bad > 0 {
		return usageErr(fmt.Errorf("%d of %s invalid", bad, plural(checked, "file")))
	}
	if checked == 0 {
		return usageErr(fmt.Errorf("%s: no scenario or plan files found", strings.Join(paths, " ")))
	}
	return nil
}

// validateFile loads f as a scenario, or as a plan when it is a bare plan.
// A file found in a folder that is neither (a cassette, other YAML) is
// left alone: it returns "" and no error.
func validateFile(f string, named bool) (string, error) {
	data, err := os.ReadFile(f)
	if err != nil {
		return "", err
	}
	kind := scenarios.Kind(data)
	switch {
	case kind == scenarios.KindPlan:
		up, err := scenarios.LoadUpstream(f, data)
		if err != nil {
			return "", err
		}
		return "plan, " + plural(len(up.Plan.Routes), "route"), nil
	case kind != scenarios.KindScenario && !named:
		return "", nil
	}
	sc, err := scenarios.Load(f, data)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("scenario %q, %s", sc.Name, plural(len(sc.Checks), "check")), nil
}

// plural is "1 route", "2 routes".
func plural(n int, noun string) string { return english.Count(n, noun) }
