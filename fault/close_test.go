package fault

import (
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClose(t *testing.T) {
	s := servePlan(t, okRoute+"      - close: {}\n")
	_, _, err := get(t, s, "/x")
	require.Error(t, err)
	assert.ErrorIs(t, err, io.EOF)
	assert.Equal(t, EndClosed, settled(t, s)[0].End)
}
