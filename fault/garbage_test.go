package fault

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/fault/journal"
)

func TestGarbage(t *testing.T) {
	s := servePlan(t, okRoute+"      - garbage: {bytes: 32}\n")
	_, _, err := get(t, s, "/x")
	require.Error(t, err)
	assert.Equal(t, journal.EndGarbage, settled(t, s)[0].End)
}
