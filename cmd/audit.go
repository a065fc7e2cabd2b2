package cmd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/faultline-dev/faultline/audit"
	"github.com/faultline-dev/faultline/internal/atomicfile"
	"github.com/faultline-dev/faultline/report"
)

func init() { register(newAuditCmd) }

type auditOptions struct {
	failOn  string
	sarif   string
	reports reportFiles
	rules   bool
	noColor bool
	paths   []string
}

func newAuditCmd() *cobra.Command {
	o := &auditOptions{}
	c := &cobra.Command{
		Use:   "audit [PATH...]",
		Short: "Read the integration code and find what chaos cannot show",
		Long: `Audit Go code (type-checked, with golang.org/x/tools/go/analysis) and, as
token-level heuristics, Python and JavaScript/TypeScript code for integration
defects that are plain in the source: calls that can wait forever, TLS checks
turned off, credentials in source, retry loops without backoff or bound,
POST/PATCH retried without an idempotency key, response bodies never closed,
429s retried without reading Retry-After, webhook handlers that never verify
a signature, and HTTP errors thrown away. PATH is a Go package pattern or a
directory (default ./...); tests and testdata are not audited.

Silence a finding with a comment on its line or the line above:
  //faultline:ignore RULE reason      (# in Python; the reason is required)

Exit codes: 0 no finding at or above --fail-on, 1 one is left, 2 bad flags or
code that does not load, 3 faultline could not run. The analyzers also run as
go vet -vettool=$(which faultline-vet) (go install ./cmd/faultline-vet).`,
		Example: `  faultline audit                                   # this module, fail on any finding
  faultline audit ./client/... --fail-on high --sarif audit.sarif
  faultline audit --json audit.json --markdown "$GITHUB_STEP_SUMMARY"
  faultline audit --rules                           # list the rules`,
		RunE: func(c *cobra.Command, args []string) error {
			o.paths = args
			return runAudit(c.OutOrStdout(), o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.failOn, "fail-on", "low", "exit 1 when a finding of this severity or higher remains: low, medium, high or none")
	f.StringVar(&o.sarif, "sarif", "", "write a SARIF 2.1.0 log to this file (GitHub code scanning)")
	f.BoolVar(&o.rules, "rules", false, "list the rules with their severity and exit")
	f.BoolVar(&o.noColor, "no-color", false, "plain output even on a terminal (NO_COLOR is honoured too)")
	o.reports.addFlags(c)
	return c
}

func runAudit(stdout io.Writer, o *auditOptions) error {
	failOn, err := audit.ParseSeverity(o.failOn)
	if err != nil {
		return usageErr(fmt.Errorf("--fail-on: %w", err))
	}
	if o.rules {
		return listRules(stdout)
	}
	if err := o.reports.check(); err != nil {
		return err
	}
	res, err := runAuditPaths(o.paths)
	if err != nil {
		return err
	}
	run := audit.Report(res, failOn, auditCommand(o), Version())
	if err := writeReports(stdout, run, o.reports, o.noColor, report.TerminalOptions{}); err != nil {
		return err
	}
	if o.sarif != "" {
		var buf bytes.Buffer
		if err := audit.WriteSARIF(&buf, res.Findings, Version()); err != nil {
			return internalErr(err)
		}
		if err := atomicfile.Write(o.sarif, buf.Bytes(), 0o644); err != nil {
			return internalErr(fmt.Errorf("cannot write report %s: %w", o.sarif, err))
		}
	}
	fmt.Fprintf(stdout, "audited %s and %s in %s\n", plural(res.Packages, "Go package"), plural(res.Scripts, "script file"), res.Duration.Round(1e6))
	if n := audit.Failing(res.Findings, failOn); n > 0 {
		return failedErr(fmt.Sprintf("%s at or above %s: fix them, or silence one with //faultline:ignore RULE reason", plural(n, "finding"), failOn))
	}
	return nil
}

// runAuditPaths runs the audit, mapping a load failure to a usage error.
func runAuditPaths(paths []string) (*audit.Result, error) {
	res, err := audit.Run(audit.Options{Paths: paths})
	if errors.Is(err, audit.ErrLoad) {
		return nil, usageErr(err)
	}
	if err != nil {
		return nil, internalErr(err)
	}
	return res, nil
}

func listRules(w io.Writer) error {
	for _, r := range audit.Rules() {
		stage := ""
		if r.Stage != "" {
			stage = " (gates " + r.Stage + ")"
		}
		fmt.Fprintf(w, "%-30s %-6s %s%s\n%-30s        fix: %s\n", r.ID, r.Severity, r.Summary, stage, "", r.Fix)
	}
	return nil
}

func auditCommand(o *auditOptions) string {
	parts := []string{"faultline", "audit"}
	for _, p := range o.paths {
		parts = append(parts, shellQuote(p))
	}
	if o.failOn != "low" {
		parts = append(parts, "--fail-on", shellQuote(o.failOn))
	}
	return strings.Join(parts, " ")
}
