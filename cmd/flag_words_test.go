package cmd

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/faultline-dev/faultline/cassettes"
	"github.com/faultline-dev/faultline/report"
	"github.com/faultline-dev/faultline/scenarios"
	"github.com/faultline-dev/faultline/webhook"
)

// TestFlagWords: the libraries' skip reasons name the Go option and no
// flag; what faultline prints names the flag instead.
func TestFlagWords(t *testing.T) {
	for _, lib := range []string{scenarios.SkippedFailFast, webhook.NoEffectCounter, cassettes.UnsafeNotSent} {
		assert.NotContains(t, lib, "--", "a library speaks no flags")
	}
	run := &report.Run{Scenarios: []report.Scenario{
		{Name: "a", Status: report.Skipped, SkipReason: scenarios.SkippedFailFast},
		{Name: "b", Status: report.Skipped, SkipReason: webhook.NoEffectCounter},
		{Name: "c", Status: report.Skipped, SkipReason: "POST is not a safe method; " + cassettes.UnsafeNotSent},
		{Name: "d", Checks: []report.Check{{Name: "once", Status: report.Skipped, Message: webhook.NoEffectCounter}}},
	}}
	inFlagWords(run)
	assert.Equal(t, "skipped by --fail-fast after an earlier failure", run.Scenarios[0].SkipReason)
	assert.Equal(t, "no effect counter: pass --effects-url or --effects-cmd to judge exactly-once", run.Scenarios[1].SkipReason)
	assert.Equal(t, "POST is not a safe method; use --include-unsafe to send it", run.Scenarios[2].SkipReason)
	assert.Equal(t, "no effect counter: pass --effects-url or --effects-cmd to judge exactly-once", run.Scenarios[3].Checks[0].Message)
	inFlagWords(nil)
}

// TestStreamedLineInFlagWords: a CI log gets each scenario's line as it
// finishes, before the report is written; its skip reason names the flag
// too, and the run's own result keeps the library's text until the report
// rewords it.
func TestStreamedLineInFlagWords(t *testing.T) {
	var log strings.Builder
	l := &liveOutput{streamed: true, w: &log}
	sc := report.Scenario{Name: "after", Status: report.Skipped, SkipReason: scenarios.SkippedFailFast,
		Checks: []report.Check{{Name: "once", Status: report.Skipped, Message: webhook.NoEffectCounter}}}
	l.finished(sc)
	assert.Equal(t, "SKIP after (skipped by --fail-fast after an earlier failure)\n", log.String())
	assert.Equal(t, webhook.NoEffectCounter, sc.Checks[0].Message, "the run's checks are not reworded behind its back")
}
