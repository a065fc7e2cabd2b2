package report_test

import (
	"fmt"
	"time"

	"github.com/faultline-dev/faultline/report"
)

// fixtureRun is the fixed Run every golden file renders: a passed scenario
// with a timeline, a passed one with a warning, a failed one with timeline
// and evidence, a skipped one and one that could not run.
func fixtureRun() *report.Run {
	evidence := make([]string, 10)
	for i := range evidence {
		evidence[i] = fmt.Sprintf("#%d GET /v1/charges -> %d", i+1, []int{503, 429, 200}[i%3])
	}
	evidence[1] = `#2 GET /v1/charges -> 429 body="<html>rate & limit | slow</html>"`
	return &report.Run{
		Tool:        "faultline",
		ToolVersion: "v0.3.0",
		Kind:        "run",
		Seed:        42,
		StartedAt:   time.Date(2026, 11, 23, 15, 4, 5, 123_000_000, time.UTC),
		Duration:    4*time.Second + 321*time.Millisecond,
		Command:     "faultline run scenarios/ --seed 42",
		Scenarios: []report.Scenario{
			{
				Name:     "retries a 503",
				File:     "scenarios/retry.yaml",
				Tags:     []string{"light"},
				Status:   report.Passed,
				Duration: 1234 * time.Millisecond,
				Checks: []report.Check{
					{Name: "eventually succeeds", Status: report.Passed, Expected: "200", Observed: "200"},
				},
				Timeline:  []report.Step{{Label: "503"}, {Label: "200", Wait: 12 * time.Millisecond}},
				Reproduce: "faultline run scenarios/retry.yaml --seed 42 --only 'retries a 503'",
			},
			{
				Name:     "GET /v1/customers",
				File:     "cassettes/stripe.yaml",
				Tags:     []string{"light", "drift"},
				Status:   report.Passed,
				Duration: 8 * time.Millisecond,
				Checks: []report.Check{
					{Name: "schema", Status: report.Passed, Warning: true, Message: `new field "tax_ids" in response`},
				},
			},
			{
				Name:     "honours Retry-After",
				File:     "scenarios/retry.yaml",
				Tags:     []string{"full"},
				Status:   report.Failed,
				Duration: 3*time.Second + 50*time.Millisecond,
				Checks: []report.Check{
					{Name: "eventually succeeds", Status: report.Passed},
					{
						Name:     "respects Retry-After",
						Status:   report.Failed,
						Expected: "wait >= 2s after a 429",
						Observed: "waited 1.0s",
						Message:  "the client retried before the upstream allowed it\nsee RFC 9110 section 10.2.3",
						Evidence: []string{"#2 429 Retry-After: 2", "#3 request 1.0s later"},
					},
				},
				Timeline: []report.Step{
					{Label: "503"},
					{Label: "429 (Retry-After 2)", Wait: time.Second},
					{Label: "reset", Wait: 1000 * time.Millisecond},
					{Label: "200", Wait: 65 * time.Second},
				},
				Evidence:  evidence,
				Reproduce: "faultline run scenarios/retry.yaml --seed 42 --only 'honours Retry-After'",
			},
			{
				Name:       "stripe webhook replay",
				Tags:       []string{"complete"},
				Status:     report.Skipped,
				SkipReason: "STRIPE_WEBHOOK_SECRET not set",
				Checks:     []report.Check{{Name: "signature verified", Status: report.Skipped}},
			},
			{
				Name:     "broken scenario",
				File:     "scenarios/broken.yaml",
				Tags:     []string{"full"},
				Status:   report.Failed,
				Duration: 2 * time.Millisecond,
				Error:    "scenarios/broken.yaml:3: unknown fault \"teapot\"",
			},
		},
	}
}
