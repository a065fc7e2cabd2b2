package fault

import (
	"context"
	"net/http"
	"time"

	"github.com/faultline-dev/faultline/internal/ctxtime"
)

// Clock is the upstream's source of time: the journal's timestamps, the
// plan's time windows (outages, when: {after, for}), rate-limit windows,
// token expiry, and every wait a fault makes (latency, a hang's max, a slow
// body's pacing, webhook delays, redeliveries and timers). [WithClock]
// injects one; socket deadlines stay on real time.
//
// It has two methods, Now() time.Time and Sleep(ctx, d) error (wait for d
// or until ctx is done, returning ctx.Err() then); resilience.Clock is the
// same interface, so one fake clock drives an upstream and its client.
type Clock = ctxtime.Clock

// wallClock is real time, the default.
type wallClock = ctxtime.Wall

// Sleep waits for d, or until the client goes away or the server starts
// shutting down: an injected delay is cut at shutdown, as a hang is, so a
// draining server waits only for real work. It reports whether the full
// duration passed. It waits on the handler's [Clock].
func (c *Call) Sleep(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	if _, wall := c.clock.(wallClock); wall {
		return c.sleepWall(r, d) // no goroutine per held request under load
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go func() {
		select {
		case <-c.Done:
		case <-c.stop:
		case <-ctx.Done():
		}
		cancel()
	}()
	return c.clock.Sleep(ctx, d) == nil
}

func (c *Call) sleepWall(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-c.Done:
	case <-c.stop:
	}
	return false
}
