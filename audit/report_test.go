package audit

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/report"
)

var sample = []Finding{
	{Rule: RuleNoTimeout, Severity: SeverityHigh, File: "client/a.go", Line: 3, Column: 7,
		Message: "http.Get sends through http.DefaultClient, which has no timeout: " + ruleFix(RuleNoTimeout)},
	{Rule: RuleRetryAfter, Severity: SeverityLow, File: "client/b.go", Line: 9, Column: 2,
		Message: "429 is handled but Retry-After is never read: " + ruleFix(RuleRetryAfter)},
	{Rule: RuleCredential, Severity: SeverityHigh, File: "web/app.ts", Line: 1, Column: 15, Heuristic: true,
		Message: "heuristic: a string literal holds a stripe-key: " + ruleFix(RuleCredential)},
}

func ruleFix(id string) string { r, _ := RuleByID(id); return r.Fix }

// TestReportFailOn: findings at or above --fail-on fail their rule's
// scenario; those below are passed checks with a warning; the light rules
// carry the stage tag, so maturity follows them.
func TestReportFailOn(t *testing.T) {
	res := &Result{Findings: sample}
	run := Report(res, SeverityLow, "faultline audit", "dev")
	assert.Equal(t, "audit", run.Kind)
	assert.Equal(t, 3, run.Summary().Failed)
	assert.Equal(t, report.MaturityNone, run.RunMaturity())

	run = Report(res, SeverityHigh, "faultline audit", "dev")
	assert.Equal(t, 2, run.Summary().Failed)
	for _, sc := range run.Scenarios {
		if sc.Name == RuleRetryAfter {
			require.Len(t, sc.Checks, 1)
			assert.True(t, sc.Checks[0].Warning)
			assert.Equal(t, report.Passed, sc.Status)
			assert.Equal(t, "client/b.go:9:2", sc.Checks[0].Name)
			assert.Equal(t, "429 is handled but Retry-After is never read; fix: "+ruleFix(RuleRetryAfter), sc.Checks[0].Message)
			assert.Equal(t, "429 is handled but Retry-After is never read (low)", sc.Checks[0].Observed)
		}
	}

	clean := Report(&Result{Findings: sample[1:2]}, SeverityMedium, "faultline audit", "dev")
	assert.True(t, clean.Passed())
	assert.Equal(t, report.StageLight, clean.RunMaturity())
	assert.Equal(t, 2, Failing(sample, SeverityMedium))
	assert.Equal(t, 0, Failing(sample, SeverityNone))
}

// TestSARIF checks the log against what SARIF 2.1.0 and GitHub code
// scanning require: version, a driver with every rule, and results whose
// ruleIndex points at their rule, with a level and a located region.
func TestSARIF(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteSARIF(&buf, sample, "v1.2.3"))
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name    string `json:"name"`
					Version string `json:"version"`
					Rules   []struct {
						ID                   string `json:"id"`
						DefaultConfiguration struct{ Level string }
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI       string `json:"uri"`
							URIBaseID string `json:"uriBaseId"`
						} `json:"artifactLocation"`
						Region struct{ StartLine, StartColumn int }
					} `json:"physicalLocation"`
				} `json:"locations"`
				Properties map[string]any `json:"properties"`
			} `json:"results"`
		} `json:"runs"`
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &log))
	assert.Equal(t, "2.1.0", log.Version)
	require.Len(t, log.Runs, 1)
	run := log.Runs[0]
	assert.Equal(t, "v1.2.3", run.Tool.Driver.Version)
	assert.Len(t, run.Tool.Driver.Rules, len(Rules()))
	require.Len(t, run.Results, 3)
	for i, r := range run.Results {
		assert.Equal(t, r.RuleID, run.Tool.Driver.Rules[r.RuleIndex].ID)
		assert.Equal(t, sample[i].File, r.Locations[0].PhysicalLocation.ArtifactLocation.URI)
		assert.Equal(t, "%SRCROOT%", r.Locations[0].PhysicalLocation.ArtifactLocation.URIBaseID)
		assert.Equal(t, sample[i].Line, r.Locations[0].PhysicalLocation.Region.StartLine)
		assert.Equal(t, sample[i].Message, r.Message.Text)
	}
	assert.Equal(t, []string{"error", "note", "error"}, []string{run.Results[0].Level, run.Results[1].Level, run.Results[2].Level})
	assert.Equal(t, true, run.Results[2].Properties["heuristic"])

	buf.Reset()
	require.NoError(t, WriteSARIF(&buf, nil, "dev"))
	assert.Contains(t, buf.String(), `"results": []`, "an empty run still lists its results, as code scanning needs")
}

func TestParseSeverity(t *testing.T) {
	for _, s := range []string{"low", "MEDIUM", "high", "none"} {
		_, err := ParseSeverity(s)
		assert.NoError(t, err, s)
	}
	_, err := ParseSeverity("critical")
	assert.ErrorContains(t, err, "use low, medium, high or none")
}
