package cassettes

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/report"
)

// A drift report has a case per interaction: breaking drift fails its
// aspect's check, additive drift warns, a skipped or failed live request is
// a skipped or errored case.
func TestDriftReport(t *testing.T) {
	ref := func(id int) Ref { return Ref{ID: id, Method: "GET", URL: "https://api.example.com/v1/x"} }
	results := []DriftResult{
		{Interaction: ref(0)},
		{Interaction: ref(1), Differences: []Difference{
			{Path: "$.id", Kind: DiffTypeChanged, Recorded: "string", Live: "number", Severity: SeverityBreaking},
			{Path: "$.extra", Kind: DiffAdded, Recorded: "missing", Live: "string", Severity: SeverityAdditive}}},
		{Interaction: ref(2), Differences: []Difference{
			{Path: "$.new", Kind: DiffAdded, Recorded: "missing", Live: "string", Severity: SeverityAdditive}}},
		{Interaction: ref(3), Skipped: "POST is not a safe method"},
		{Interaction: ref(4), Err: "connection refused"},
	}
	run := DriftReport(results, DriftReportOptions{File: "api.yaml", Command: "faultline drift --cassette api.yaml",
		ToolVersion: "v1", Start: time.Now().Add(-time.Second)})
	require.Len(t, run.Scenarios, 5)
	assert.Equal(t, "drift", run.Kind)
	assert.Equal(t, "faultline drift --cassette api.yaml", run.Command)
	assert.GreaterOrEqual(t, run.Duration, time.Second)
	assert.Equal(t, "#1 GET https://api.example.com/v1/x", run.Scenarios[1].Name)
	assert.Equal(t, "api.yaml", run.Scenarios[1].File)

	assert.Equal(t, report.Passed, run.Scenarios[0].Status)
	shape := run.Scenarios[1].Checks[2]
	assert.Equal(t, "json shape", shape.Name)
	assert.Equal(t, report.Failed, shape.Status)
	assert.Equal(t, "2 differences", shape.Observed)
	assert.Equal(t, "type-changed $.id: recorded string, live number (breaking)", shape.Message)
	assert.Equal(t, report.Failed, run.Scenarios[1].Status)
	assert.Equal(t, report.Passed, run.Scenarios[1].Checks[0].Status, "status class as recorded")

	added := run.Scenarios[2].Checks[2]
	assert.Equal(t, report.Passed, added.Status)
	assert.True(t, added.Warning, "additive drift warns")
	assert.Equal(t, "1 difference", added.Observed)

	assert.Equal(t, report.Skipped, run.Scenarios[3].Status)
	assert.Equal(t, "POST is not a safe method", run.Scenarios[3].SkipReason)
	assert.Equal(t, "live request failed: connection refused", run.Scenarios[4].Error)
	assert.False(t, run.Passed())
}
