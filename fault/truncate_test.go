package fault

import (
	"io"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/faultline-dev/faultline/fault/journal"
)

func TestTruncate(t *testing.T) {
	s := servePlan(t, okRoute+"      - truncate: {bytes: 10}\n")
	code, body, err := get(t, s, "/x")
	assert.Equal(t, 200, code)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Len(t, body, 10)
	e := settled(t, s)[0]
	assert.Equal(t, journal.EndTruncated, e.End)
	assert.Equal(t, "10", e.Faults[0].Params["kept"])
}
