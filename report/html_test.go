package report_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/report"
)

func renderHTML(t *testing.T, r *report.Run) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, report.WriteHTML(&b, r))
	return b.String()
}

// scenarioBlock returns the <details> element of the scenario named name.
func scenarioBlock(t *testing.T, page, name string) string {
	t.Helper()
	for _, block := range strings.Split(page, "<details ")[1:] {
		if strings.Contains(block, `<span class="name">`+name+`</span>`) {
			return block
		}
	}
	t.Fatalf("no scenario %q in the page", name)
	return ""
}

func TestHTMLIsSelfContained(t *testing.T) {
	page := renderHTML(t, fixtureRun())
	assert.True(t, strings.HasPrefix(page, "<!doctype html>"))
	for _, fetch := range []string{"<link", " src=", "url(", "@import", "https://", "fetch(", "XMLHttpRequest"} {
		assert.NotContains(t, page, fetch, "the page loads nothing from anywhere")
	}
	// The only http:// is the SVG namespace, which is a name, not a fetch.
	assert.Equal(t, strings.Count(page, "http://"), strings.Count(page, `xmlns="http://www.w3.org/2000/svg"`))
}

func TestHTMLEscapesProducerText(t *testing.T) {
	r := &report.Run{Kind: "run", Scenarios: []report.Scenario{{
		Name: `<script>alert(1)</script>`, Status: report.Failed, Tags: []string{"retry"},
		Checks:   []report.Check{{Name: "c", Status: report.Failed, Observed: `<img onerror=x>`}},
		Evidence: []string{`body="<b>&</b>"`},
	}}}
	page := renderHTML(t, r)
	assert.NotContains(t, page, "<script>alert")
	assert.NotContains(t, page, "<img onerror")
	assert.Contains(t, page, "&lt;script&gt;alert(1)&lt;/script&gt;")
	assert.Contains(t, page, "body=&#34;&lt;b&gt;&amp;&lt;/b&gt;&#34;")
}

func TestHTMLFiltersAndCounts(t *testing.T) {
	r := fixtureRun()
	page := renderHTML(t, r)
	s := r.Summary()
	for st, n := range map[string]int{"failed": s.Failed, "passed": s.Passed, "skipped": s.Skipped} {
		assert.Equal(t, n, strings.Count(page, `data-status="`+st+`"`)-1, "one filter button and one element per %s scenario", st)
	}
	assert.Contains(t, page, `data-tag="drift"`)
	assert.Contains(t, page, `data-tags=" light drift "`)
	assert.Equal(t, s.Failed, strings.Count(page, "\" open>"), "failed scenarios start open")
}

// The timeline is drawn on a time axis: one mark per attempt, x growing
// with time, a wait between each pair, Retry-After marks and spans.
func TestHTMLTimeline(t *testing.T) {
	r := &report.Run{Kind: "run", Scenarios: []report.Scenario{{
		Name: "herd", Status: report.Failed, Checks: []report.Check{{Name: "c", Status: report.Failed}},
		Timeline: []report.Step{
			{Label: "503", Status: 503, Took: time.Millisecond},
			{Label: "429 (Retry-After 1)", Status: 429, Wait: 100 * time.Millisecond, RetryAfter: time.Second},
			{Label: "reset", Wait: 200 * time.Millisecond},
			{Label: "200", Status: 200, Wait: 1200 * time.Millisecond},
		},
		Spans: []report.Span{{Label: "breaker open", Start: 400 * time.Millisecond, End: 900 * time.Millisecond}},
	}}}
	block := scenarioBlock(t, renderHTML(t, r), "herd")
	marks := regexp.MustCompile(`<g class="attempt (\w+)"><circle cx="([\d.]+)"`).FindAllStringSubmatch(block, -1)
	require.Len(t, marks, 4)
	var classes []string
	last := -1.0
	for _, m := range marks {
		classes = append(classes, m[1])
		x := mustFloat(t, m[2])
		assert.Greater(t, x, last, "attempts left to right in time")
		last = x
	}
	assert.Equal(t, []string{"s5xx", "s4xx", "conn", "s2xx"}, classes)
	assert.Equal(t, 3, strings.Count(block, `<g class="wait">`))
	assert.Contains(t, block, "<title>waited 1.2s</title>")
	assert.Equal(t, 1, strings.Count(block, `<g class="retry-after">`))
	assert.Equal(t, 1, strings.Count(block, `<g class="span">`))
	assert.Contains(t, block, "503 ─100ms─▶ 429 (Retry-After 1) ─200ms─▶ reset ─1.2s─▶ 200")
	// The Retry-After mark sits 1s after the 429: to the right of the reset (at 300ms), left of the 200 (at 1.5s).
	ra := mustFloat(t, regexp.MustCompile(`<g class="retry-after"><line x1="([\d.]+)"`).FindStringSubmatch(block)[1])
	assert.Greater(t, ra, mustFloat(t, marks[2][2]))
	assert.Less(t, ra, mustFloat(t, marks[3][2]))
}

func TestHTMLWithoutTimeline(t *testing.T) {
	page := renderHTML(t, &report.Run{Kind: "drift", Scenarios: []report.Scenario{{Name: "GET /x", Status: report.Passed}}})
	assert.NotContains(t, page, "<svg")
	assert.NotContains(t, page, "seed <code>", "drift draws nothing at random")
	assert.Error(t, report.WriteHTML(&bytes.Buffer{}, nil))
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	var f float64
	_, err := fmt.Sscan(s, &f)
	require.NoError(t, err)
	return f
}
