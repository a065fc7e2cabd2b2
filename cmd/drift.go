package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/faultline-dev/faultline/cassettes"
	"github.com/faultline-dev/faultline/internal/secrets"
	"github.com/faultline-dev/faultline/report"
)

func init() { register(newDriftCmd) }

type driftOptions struct {
	cassette, upstream string
	includeUnsafe      bool
	headers            []string
	reports            reportFiles
	noColor            bool
}

func newDriftCmd() *cobra.Command {
	o := &driftOptions{}
	c := &cobra.Command{
		Use:   "drift --cassette FILE [--upstream URL]",
		Short: "Check a cassette against the live API for contract drift",
		Long: `Re-send the recorded requests (safe methods unless --include-unsafe) to the live
API and compare each answer with the recording: status class, content type,
and JSON shape (fields added, removed, changed in type, null versus missing),
ignoring volatile values such as ids and timestamps. Each interaction is a
case in the same reports as faultline run.

Exit 1 on breaking drift; additive drift (new fields) passes with warnings.`,
		Example: `  faultline drift --cassette stripe.yaml --upstream https://api.stripe.com \
      --header "Authorization: Bearer $STRIPE_TEST_KEY" --junit drift.xml`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runDrift(c.Context(), c.OutOrStdout(), o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.cassette, "cassette", "", "cassette to check (required)")
	f.StringVar(&o.upstream, "upstream", "", "live API base URL (default: the one the cassette was recorded from)")
	f.BoolVar(&o.includeUnsafe, "include-unsafe", false, "also re-send POST, PUT, PATCH and DELETE (they may change data)")
	f.StringArrayVar(&o.headers, "header", nil, `header for every live request, "Name: value" (e.g. a live credential)`)
	f.BoolVar(&o.noColor, "no-color", false, "plain output even on a terminal")
	o.reports.addFlags(c)
	requireFlags(c, "cassette")
	return c
}

func runDrift(ctx context.Context, stdout io.Writer, o *driftOptions) error {
	if err := o.reports.check(); err != nil {
		return err
	}
	c, err := cassettes.Load(o.cassette)
	if err != nil {
		return cassetteErr(err)
	}
	base, err := driftBase(c, o.upstream)
	if err != nil {
		return usageErr(err)
	}
	if err := checkReachable(ctx, "--upstream", base.String()); err != nil {
		return err
	}
	hdr, err := parseHeaders(o.headers)
	if err != nil {
		return usageErr(err)
	}
	start := time.Now()
	// Redirects are compared as recorded (a 301 is a 301), never followed.
	client := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	results, err := cassettes.Drift(orBackground(ctx), c, client, base,
		cassettes.DriftOptions{IncludeUnsafe: o.includeUnsafe, Header: hdr})
	if err != nil {
		return internalErr(err)
	}
	run := cassettes.DriftReport(results, cassettes.DriftReportOptions{File: o.cassette, Command: driftCommand(o),
		ToolVersion: Version(), Start: start})
	if err := writeReports(stdout, run, o.reports, o.noColor, report.TerminalOptions{}); err != nil {
		return err
	}
	if !run.Passed() {
		return failedErr("")
	}
	return nil
}

func driftBase(c *cassettes.Cassette, upstream string) (*url.URL, error) {
	if upstream == "" && c.Meta != nil {
		upstream = c.Meta.Upstream
	}
	if upstream == "" {
		return nil, errors.New("--upstream: the cassette does not say where it was recorded; give the live API's base URL")
	}
	u, err := url.Parse(upstream)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--upstream %q: give an absolute http:// or https:// URL", upstream)
	}
	return u, nil
}

func parseHeaders(lines []string) (http.Header, error) {
	h := http.Header{}
	for _, l := range lines {
		k, v, ok := strings.Cut(l, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("--header %q: write it as \"Name: value\"", l)
		}
		h.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	return h, nil
}

// driftCommand repeats the drift check: the cassette, --upstream and each
// --header. A header whose name holds a credential is written with a
// variable in its place ("Authorization: $AUTHORIZATION"), so the secret
// never reaches a report and the line runs once that variable is set.
func driftCommand(o *driftOptions) string {
	parts := []string{"faultline drift --cassette", shellQuote(o.cassette)}
	if o.upstream != "" {
		parts = append(parts, "--upstream", shellQuote(o.upstream))
	}
	if o.includeUnsafe {
		parts = append(parts, "--include-unsafe")
	}
	for _, h := range o.headers {
		name, _, _ := strings.Cut(h, ":")
		name = strings.TrimSpace(name)
		if secrets.Name(name) {
			parts = append(parts, "--header", `"`+name+": $"+envName(name)+`"`)
			continue
		}
		parts = append(parts, "--header", shellQuote(h))
	}
	return strings.Join(parts, " ")
}

// envName turns a header name into a shell variable name: X-Api-Key → X_API_KEY.
func envName(header string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, header)
}
