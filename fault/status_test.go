package fault

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStatus(t *testing.T) {
	s := servePlan(t, okRoute+"      - status: {code: 502, body: bad gateway, headers: {X-Why: test}}\n")
	code, body, err := get(t, s, "/x")
	require.NoError(t, err)
	assert.Equal(t, 502, code)
	assert.Equal(t, "bad gateway", body)
	e := settled(t, s)
	require.Len(t, e, 1)
	assert.Equal(t, "status", e[0].FaultNames())
	assert.Equal(t, 502, e[0].Status)
}
