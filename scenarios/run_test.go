package scenarios

import (
	"context"
	"testing"

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
