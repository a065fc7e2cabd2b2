package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/faultline-dev/faultline/report"
)

func writeMarkdown(t *testing.T, r *report.Run) string {
	t.Helper()
	var buf bytes.Buffer
	if err := report.WriteMarkdown(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestMarkdownCellsAreEscaped(t *testing.T) {
	out := writeMarkdown(t, &report.Run{Kind: "drift", Scenarios: []report.Scenario{{
		Name: "GET /a|b", Status: report.Failed,
		Checks: []report.Check{{
			Name: "status", Status: report.Failed,
			Expected: "200 | 201", Observed: "line one\nline <two> & \\three",
		}},
	}}})
	row := ""
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "| GET") && strings.Contains(l, "status") {
			row = l
		}
	}
	want := `| GET /a\|b | status | 200 \| 201 | line one<br>line &lt;two&gt; &amp; \\three |  |`
	if row != want {
		t.Errorf("failure row\n got: %s\nwant: %s\nin:\n%s", row, want, out)
	}
	if got := strings.Count(row, " | ") + 2; got != 6 { // 5 columns: 6 unescaped pipes
		t.Errorf("row has %d cell borders", got)
	}
}

func TestMarkdownPassingRun(t *testing.T) {
	out := writeMarkdown(t, &report.Run{Kind: "webhook", Seed: 7, Scenarios: []report.Scenario{
		{Name: "replay", Status: report.Passed, Tags: []string{"light"}},
	}})
	if !strings.HasPrefix(out, "## ✅ faultline webhook: 1 passed\n") {
		t.Errorf("heading:\n%s", out)
	}
	for _, absent := range []string{"### Failures", "Reproduce", "❌"} {
		if strings.Contains(out, absent) {
			t.Errorf("passing run mentions %q:\n%s", absent, out)
		}
	}
	for _, want := range []string{"seed `7`", "maturity **light**", "<details>", "| ✅ passed | replay |", "</details>\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

func TestMarkdownFailingRun(t *testing.T) {
	out := writeMarkdown(t, fixtureRun())
	for _, want := range []string{
		"## ❌ faultline run: 2 of 5 failed",
		"| honours Retry-After | respects Retry-After | wait &gt;= 2s after a 429 | waited 1.0s |",
		"| broken scenario | (could not run) |",
		"faultline run scenarios/retry.yaml --seed 42 --only 'honours Retry-After'\n",
		"| GET /v1/customers | schema | new field \"tax_ids\" in response |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

func TestMarkdownReproduceFenceOutgrowsBackticks(t *testing.T) {
	out := writeMarkdown(t, &report.Run{Command: "faultline run ```x```", Scenarios: []report.Scenario{{Status: report.Failed}}})
	if !strings.Contains(out, "````sh\nfaultline run ```x```\n````\n") {
		t.Errorf("fence not longer than content:\n%s", out)
	}
}
