package fault

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSlowBody(t *testing.T) {
	s := servePlan(t, okRoute+"      - slow_body: {bytes_per_second: 400}\n")
	start := time.Now()
	code, body, err := get(t, s, "/x")
	require.NoError(t, err)
	assert.Equal(t, 200, code)
	// The body is ~50 bytes: at 400 B/s that is about 125 ms.
	assert.GreaterOrEqual(t, time.Since(start), time.Duration(len(body)-20)*time.Second/400)
}
