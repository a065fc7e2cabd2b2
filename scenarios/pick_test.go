package scenarios

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/fault"
)

// Pick is a run's one call into the scenarios: load, select, shard.
func TestPick(t *testing.T) {
	all, err := Pick(Selection{})
	require.NoError(t, err)
	assert.False(t, all.Partial)
	lib, err := Library()
	require.NoError(t, err)
	assert.Equal(t, scenarioNames(lib), scenarioNames(all.Scenarios), "no paths: the built-in library")

	retry, err := Pick(Selection{Tags: []string{"retry"}})
	require.NoError(t, err)
	assert.True(t, retry.Partial)
	want, _ := Select(lib, "", []string{"retry"})
	assert.Equal(t, scenarioNames(want), scenarioNames(retry.Scenarios))

	var parts []string
	for i := 1; i <= 3; i++ {
		s, err := Pick(Selection{Shard: i, Shards: 3})
		require.NoError(t, err)
		assert.True(t, s.Partial)
		parts = append(parts, scenarioNames(s.Scenarios)...)
	}
	assert.ElementsMatch(t, scenarioNames(lib), parts, "three shards run every scenario once")

	for _, bad := range []struct {
		sel  Selection
		want string
	}{
		{Selection{Tags: []string{"bogus"}}, `invalid configuration: Tags: "bogus" is not a known tag; use: `},
		{Selection{Shard: 3, Shards: 2}, `invalid configuration: Shard 3 of 2: give 1 <= Shard <= Shards`},
		{Selection{Shard: 0, Shards: -1}, `Shard 0 of -1`},
		{Selection{Only: "retry-["}, `invalid configuration: Only "retry-[": syntax error in pattern`},
	} {
		_, err := Pick(bad.sel)
		assert.ErrorIs(t, err, fault.ErrInvalid, "%+v", bad.sel)
		assert.ErrorContains(t, err, bad.want, "%+v", bad.sel)
	}
	_, err = Pick(Selection{Paths: []string{"testdata/no-such-folder"}})
	assert.Error(t, err)
}
