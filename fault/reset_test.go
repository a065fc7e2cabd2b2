package fault

import (
	"errors"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/fault/journal"
)

func TestReset(t *testing.T) {
	s := servePlan(t, okRoute+"      - reset:\n")
	_, _, err := get(t, s, "/x")
	require.Error(t, err)
	assert.True(t, errors.Is(err, syscall.ECONNRESET), "want connection reset, got %v", err)
	assert.Equal(t, journal.EndReset, settled(t, s)[0].End)
}
