package webhook

import (
	"context"
	"errors"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A delivery's own context cannot be cancelled, so a dial still under way
// when the campaign is cancelled must stop with the campaign's context, not
// run on to its timeout (the deadline, up to 30 s).
func TestDialForADeliveryStopsWhenTheCampaignIsCancelled(t *testing.T) {
	w := newWatch(time.Hour)
	// A dial that never connects by itself: it waits for its context.
	w.dialer.ControlContext = func(ctx context.Context, _, _ string, _ syscall.RawConn) error {
		<-ctx.Done()
		return ctx.Err()
	}
	root, cancel := context.WithCancel(context.Background())
	w.root.Store(&root)
	time.AfterFunc(50*time.Millisecond, cancel)
	done := make(chan error, 1)
	go func() {
		_, err := w.dial(context.Background(), "tcp", "127.0.0.1:1") // Done is nil, as a ticket's
		done <- err
	}()
	select {
	case err := <-done:
		assert.True(t, errors.Is(err, context.Canceled), "dial ended with %v, want the campaign's cancellation", err)
	case <-time.After(20 * time.Second):
		cancel()
		t.Fatal("a dial for a delivery ran on after its campaign was cancelled")
	}
}

// Reading effect counts never shares the transport whose connections the
// sender's watch cuts at a delivery's deadline: a stale mark must not cut a
// count request off.
func TestEffectCountsHaveTheirOwnTransport(t *testing.T) {
	c, err := newCampaign(Options{Target: "http://127.0.0.1:1/hook", Scheme: "stripe", Secret: stripeSecret, EffectsURL: "http://127.0.0.1:1/effects"})
	require.NoError(t, err)
	require.NotNil(t, c.s.watch, "the campaign's own client to a plain-HTTP target is watched")
	counter, ok := c.counter.(urlCounter)
	require.True(t, ok)
	assert.NotSame(t, c.s.client.Transport.(*http.Transport), counter.client.Transport.(*http.Transport))
}
