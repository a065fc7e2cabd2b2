package scenarios

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/report"
)

func TestLibraryRunsGreenWithReferenceClient(t *testing.T) {
	lib, err := Library()
	require.NoError(t, err)
	run, err := Run(context.Background(), lib, Options{Seed: 1, Parallel: 4})
	require.NoError(t, err)
	for _, sc := range run.Scenarios {
		if !assert.Equal(t, report.Passed, sc.Status, sc.Name) {
			for _, c := range sc.Checks {
				t.Logf("  %s %s: expected %s, observed %s %s %v", c.Status, c.Name, c.Expected, c.Observed, c.Message, c.Evidence)
			}
		}
	}
}

func TestWebhookScenarioSkippedForExternalClientWithoutReceiver(t *testing.T) {
	sc := &Scenario{Name: "w", Client: Client{Receiver: &Receiver{Scheme: "stripe", Secret: "x"}}}
	res, err := RunOne(context.Background(), sc, Options{Exec: []string{"/bin/true"}})
	require.NoError(t, err)
	assert.Equal(t, report.Skipped, res.Status)
	assert.Contains(t, res.SkipReason, "client.receiver.url")
}

func TestOutcomeHandledAcceptsMarkedFallbackOnly(t *testing.T) {
	o := &Observation{Scenario: &Scenario{Timeout: time.Second}}
	handled := outcomeCheck{expect: "handled"}
	o.Calls = []CallResult{{Status: 200}, {Status: 200, Fallback: true}}
	assert.Equal(t, report.Passed, handled.Evaluate(o).Status)
	assert.Equal(t, report.Failed, outcomeCheck{expect: "success"}.Evaluate(o).Status, "a fallback is not a success")
	o.Calls = append(o.Calls, CallResult{Status: 503, Err: errors.New("retries exhausted")})
	assert.Equal(t, report.Failed, handled.Evaluate(o).Status, "an error is not handled")
	o.Calls, o.Exec = nil, &ExecResult{ExitCode: 1, Duration: time.Millisecond}
	assert.Equal(t, report.Failed, handled.Evaluate(o).Status, "an external client that gave up did not handle the calls")
}
