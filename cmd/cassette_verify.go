package cmd

import (
	"fmt"
	"io"
	"net/url"
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
	run := &report.Run{Tool: "faultline", ToolVersion: Version(), Kind: "verify", StartedAt: start, Command: verifyCommand(o)}
	for i, c := range all {
		for _, v := range spec.Verify(c) {
			run.Scenarios = append(run.Scenarios, verifyCase(o.files[i], v))
		}
	}
	run.Duration = time.Since(start)
	run.Finalize()
	if err := writeReports(stdout, run, o.reports, o.noColor, report.TerminalOptions{}); err != nil {
		return err
	}
	if !run.Passed() {
		return failedErr("")
	}
	return nil
}

// verifyCase is one interaction: a check for the request and one for the
// response; an interaction the spec has no operation for is skipped with
// that reason, so it is listed without failing the run.
func verifyCase(file string, v contract.Verdict) report.Scenario {
	it := v.Interaction
	sc := report.Scenario{Name: fmt.Sprintf("#%d %s %s", it.ID, it.Request.Method, it.Request.URL), File: file, Tags: []string{"contract"}}
	switch {
	case v.Err != "":
		sc.Error = v.Err
		return sc
	case v.Unknown():
		sc.Status, sc.SkipReason = report.Skipped, fmt.Sprintf("unknown operation: the spec has no %s %s", it.Request.Method, urlPath(it.Request.URL))
		return sc
	}
	sc.Name += " (" + v.Operation.Name() + ")"
	sc.Checks = []report.Check{
		verifyCheck("request conforms", "valid for "+v.Operation.Name(), v.Request),
		verifyCheck("response conforms", fmt.Sprintf("status %d documented, body valid", it.Response.Code), v.Response),
	}
	return sc
}

func verifyCheck(name, expected string, vs []contract.Violation) report.Check {
	ch := report.Check{Name: name, Status: report.Passed, Expected: expected, Observed: "conforms"}
	if len(vs) == 0 {
		return ch
	}
	ch.Status = report.Failed
	ch.Observed = plural(len(vs), "violation")
	ch.Message = vs[0].String()
	for _, v := range vs[1:] {
		ch.Evidence = append(ch.Evidence, v.String())
	}
	return ch
}

// urlPath is the path of a recorded URL (the whole URL if it has none).
func urlPath(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Path != "" {
		return u.Path
	}
	return raw
}

func verifyCommand(o *verifyOptions) string {
	parts := []string{"faultline cassette verify --spec", shellQuote(o.spec)}
	for _, f := range o.files {
		parts = append(parts, shellQuote(f))
	}
	return strings.Join(parts, " ")
}
