package fault

import (
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/fault/journal"
)

func TestClose(t *testing.T) {
	s := servePlan(t, okRoute+"      - close: {}\n")
	_, _, err := get(t, s, "/x")
	require.Error(t, err)
	assert.ErrorIs(t, err, io.EOF)
	assert.Equal(t, journal.EndClosed, settled(t, s)[0].End)
}
