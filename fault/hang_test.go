package fault

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/fault/journal"
)

// TestHangUntilClientGivesUp: a hang without max holds the request until
// the client cancels it, and journals it as hung.
func TestHangUntilClientGivesUp(t *testing.T) {
	s := servePlan(t, okRoute+"      - hang:\n")
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/x", nil)
	require.NoError(t, err)
	failed := inBackground(t, func() error { _, err := s.Client().Do(req); return err })
	require.Eventually(t, func() bool { return s.Journal().Seq() == 1 }, 10*time.Second, time.Millisecond)
	cancel() // the client gives up
	assert.ErrorIs(t, arrived(t, failed), context.Canceled)
	e := settled(t, s)
	require.Len(t, e, 1)
	assert.Equal(t, journal.EndHung, e[0].End)
}

// TestHangMaxClosesOnTheClock: a hang with max closes the connection when
// the handler's clock passes max, and not before.
func TestHangMaxClosesOnTheClock(t *testing.T) {
	clock := newFakeClock()
	s := servePlan(t, okRoute+"      - hang: {max: 30s}\n", WithClock(clock))
	failed := inBackground(t, func() error { _, _, err := getWithin(t, s, "/x"); return err })
	clock.waiting(t, 1)
	clock.Advance(30*time.Second - time.Millisecond)
	clock.waiting(t, 1) // still held
	clock.Advance(time.Millisecond)
	assert.Error(t, arrived(t, failed), "the connection is closed without an answer")
	e := settled(t, s)
	assert.Equal(t, journal.EndHung, e[0].End)
	assert.Equal(t, 30*time.Second, e[0].Duration)
}

func TestHangReleasedByClose(t *testing.T) {
	p, err := LoadPlan("p.yaml", []byte(okRoute+"      - hang:\n"))
	require.NoError(t, err)
	s := NewServer(p)
	errc := make(chan error, 1)
	go func() {
		_, err := s.Client().Get(s.URL + "/x")
		errc <- err
	}()
	require.Eventually(t, func() bool { return s.Journal().Seq() == 1 }, time.Second, time.Millisecond)
	start := time.Now()
	s.Close()
	assert.Error(t, <-errc)
	assert.Less(t, time.Since(start), 500*time.Millisecond)
}
