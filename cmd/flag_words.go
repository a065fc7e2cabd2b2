package cmd

import (
	"strings"

	"github.com/faultline-dev/faultline/cassettes"
	"github.com/faultline-dev/faultline/report"
	"github.com/faultline-dev/faultline/scenarios"
	"github.com/faultline-dev/faultline/webhook"
)

// flagWords turns the libraries' reasons, which name the Go option a
// caller sets, into the advice a faultline user can act on: the flag.
var flagWords = strings.NewReplacer(
	scenarios.SkippedFailFast, "skipped by --fail-fast after an earlier failure",
	webhook.NoEffectCounter, "no effect counter: pass --effects-url or --effects-cmd to judge exactly-once",
	cassettes.UnsafeNotSent, "use --include-unsafe to send it",
)

// inFlagWords rewords run's skip reasons and check messages with flagWords
// before it is printed.
func inFlagWords(run *report.Run) {
	if run == nil {
		return
	}
	for i := range run.Scenarios {
		scenarioInFlagWords(&run.Scenarios[i])
	}
}

// scenarioInFlagWords rewords one scenario's skip reason and check
// messages, for a line printed before the run's report (a CI log's).
func scenarioInFlagWords(sc *report.Scenario) {
	sc.SkipReason = flagWords.Replace(sc.SkipReason)
	for j := range sc.Checks {
		sc.Checks[j].Message = flagWords.Replace(sc.Checks[j].Message)
	}
}
