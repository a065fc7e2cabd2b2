package cmd

import (
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/faultline-dev/faultline/cassettes"
	"github.com/faultline-dev/faultline/contract"
	"github.com/faultline-dev/faultline/report"
)

type verifyOptions struct {
	spec    string
	files   []string
	reports reportFiles
	noColor bool
}

func newCassetteVerifyCmd() *cobra.Command {
	o := &verifyOptions{}
	c := &cobra.Command{
		Use:   "verify --spec FILE CASSETTE...",
		Short: "Check recorded requests and responses against an OpenAPI spec, offline",
		Long: `Judge every interaction of the cassettes against the provider's OpenAPI
document, without touching the live API: the recorded request must be valid
for its operation (parameters, content type, body schema), and the recorded
response must have a status the operation documents and a body valid for its
schema. Each interaction is a case in the same reports as faultline run;
interactions for operations the spec does not have are listed as skipped.

Exit 1 when any interaction breaks the contract (a stale fixture), 2 when a
cassette or the spec cannot be read.`,
		Example: `  faultline cassette verify --spec openapi.yaml testdata/cassettes/*.yaml --junit contract.xml`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.files = globbed(args)
			return verifyCassettes(c.OutOrStdout(), o)
		},
	}
	c.Flags().StringVar(&o.spec, "spec", "", "OpenAPI 3.0 or 3.1 document (YAML or JSON) to check against (required)")
	c.Flags().BoolVar(&o.noColor, "no-color", false, "plain output even on a terminal")
	o.reports.addFlags(c)
	requireFlags(c, "spec")
	return c
}

func verifyCassettes(stdout io.Writer, o *verifyOptions) error {
	if err := o.reports.check(); err != nil {
		return err
	}
	all := make([]*cassettes.Cassette, len(o.files))
	for i, f := range o.files { // every file is read before anything is judged
		c, err := cassettes.Load(f)
		if err != nil {
			return cassetteErr(err)
		}
		all[i] = c
	}
	start := time.Now()
	spec, err := contract.Load(o.spec)
	if err != nil {
		return usageErr(err)
	}
	run := spec.VerifyReport(all, contract.VerifyReportOptions{Files: o.files, Command: verifyCommand(o), ToolVersion: Version(), Start: start})
	if err := writeReports(stdout, run, o.reports, o.noColor, report.TerminalOptions{}); err != nil {
		return err
	}
	if !run.Passed() {
		return failedErr("")
	}
	return nil
}

func verifyCommand(o *verifyOptions) string {
	parts := []string{"faultline cassette verify --spec", shellQuote(o.spec)}
	for _, f := range o.files {
		parts = append(parts, shellQuote(f))
	}
	return strings.Join(parts, " ")
}
