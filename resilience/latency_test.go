package resilience

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLatenciesFitCountsRecentAnswersOnly(t *testing.T) {
	var l latencies
	now := time.Unix(1000, 0)
	for i := range latencyMinSamples - 1 {
		l.add(now, time.Duration(i+1)*100*time.Millisecond) // 100ms ... 700ms
	}
	share, of := l.fit(now, 50*time.Millisecond)
	assert.Equal(t, 1.0, share, "too few answers known: every attempt is sent")
	assert.Equal(t, latencyMinSamples-1, of)

	l.add(now, 800*time.Millisecond) // 100ms ... 800ms
	share, of = l.fit(now, 400*time.Millisecond)
	assert.Equal(t, 0.5, share)
	assert.Equal(t, latencyMinSamples, of)
	share, _ = l.fit(now, 50*time.Millisecond)
	assert.Equal(t, 0.0, share)

	share, of = l.fit(now.Add(latencyMemory+time.Second), 50*time.Millisecond)
	assert.Equal(t, 1.0, share, "a slow spell is forgotten")
	assert.Equal(t, 0, of)

	for range latencySamples {
		l.add(now, 10*time.Millisecond)
	}
	share, of = l.fit(now, 50*time.Millisecond)
	assert.Equal(t, 1.0, share, "only the last answers count")
	assert.Equal(t, latencySamples, of)
}

// slowly answers with h after d.
func slowly(d time.Duration, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(d):
			h(w, r)
		case <-r.Context().Done():
		}
	}
}

// warm makes n concurrent calls without a deadline, so the client learns
// how long the upstream takes.
func warm(t *testing.T, c *Client, url string, n int) {
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Do(context.Background(), get(url))
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
}

// Once the upstream's answers take 400ms, a call with 200ms left is not
// sent: it fails at once with ErrDeadline and the upstream never sees it.
// With min_fit 0 it is sent (and cut short by its deadline).
func TestAttemptThatCannotFitItsDeadlineIsNotSent(t *testing.T) {
	for _, minFit := range []float64{0.5, 0} {
		t.Run(map[float64]string{0.5: "default", 0: "min_fit 0"}[minFit], func(t *testing.T) {
			s := newScript(t, slowly(400*time.Millisecond, status(200, "ok")))
			p := testPolicy()
			p.Timeouts.MinFit = minFit
			p.StaleCache.Enabled = false
			c := newClient(t, p)
			warm(t, c, s.url("/x"), latencyMinSamples)
			require.Equal(t, latencyMinSamples, s.count())

			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			_, err := c.Do(ctx, get(s.url("/x")))
			require.ErrorIs(t, err, ErrDeadline)
			if minFit > 0 {
				assert.Equal(t, latencyMinSamples, s.count(), "not sent: it could not have finished")
				assert.ErrorContains(t, err, "timeouts.min_fit")
				return
			}
			assert.Eventually(t, func() bool { return s.count() == latencyMinSamples+1 }, 5*time.Second, time.Millisecond,
				"min_fit 0 sends every attempt")
		})
	}
}

// takes answers with h after moving clock on by d: an upstream that takes
// d on the client's clock, whatever the scheduler does in real time.
func takes(clock *fakeClock, d time.Duration, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		clock.advance(d)
		h(w, r)
	}
}

// A retry that would leave less time than the upstream's answers take is
// not made: the call fails after its first attempt instead of sleeping a
// backoff and sending an attempt its deadline cuts short. (A 503 after
// 400ms with 950ms left and a 200ms backoff leaves 350ms: under 400ms.)
//
// The upstream's 400ms, the backoff and timeouts.total's deadline are on
// an injected clock, so whether the retry is made does not depend on the
// scheduler. Only the retry's end is real: it hangs until the real context
// timeouts.total also sets ends it. Real time could change the verdict
// only if the first exchange over loopback took over 750ms (the real
// deadline would then leave no room for the backoff); it takes about 1ms.
func TestRetryThatCannotFitItsDeadlineIsNotMade(t *testing.T) {
	for _, minFit := range []float64{0.5, 0} {
		t.Run(map[float64]string{0.5: "default", 0: "min_fit 0"}[minFit], func(t *testing.T) {
			clock := newFakeClock()
			ok := takes(clock, 400*time.Millisecond, status(200, "ok"))
			steps := make([]http.HandlerFunc, 0, latencyMinSamples+2)
			for range latencyMinSamples {
				steps = append(steps, ok)
			}
			steps = append(steps, takes(clock, 400*time.Millisecond, status(503, "busy")),
				takes(clock, 400*time.Millisecond, hang))
			s := newScript(t, steps...)
			p := testPolicy()
			p.Timeouts.MinFit, p.Timeouts.Total = minFit, 950*time.Millisecond
			p.Retry.BaseDelay, p.Retry.MaxDelay = 200*time.Millisecond, 200*time.Millisecond
			p.StaleCache.Enabled, p.Breaker.Enabled = false, false
			c := newClient(t, p, WithClock(clock))
			for range latencyMinSamples { // one at a time, so each answer took 400ms
				_, err := c.Do(context.Background(), get(s.url("/x")))
				require.NoError(t, err)
			}

			began := time.Now()
			_, err := c.Do(context.Background(), get(s.url("/x")))
			require.ErrorIs(t, err, ErrDeadline)
			if minFit > 0 {
				assert.Equal(t, latencyMinSamples+1, s.count(), "no retry: it could not have finished (call took %s real)", time.Since(began))
				assert.ErrorContains(t, err, "timeouts.min_fit")
				assert.Empty(t, clock.slept(), "no backoff slept")
				return
			}
			assert.Equal(t, latencyMinSamples+2, s.count(), "min_fit 0 retries, and the deadline cuts the retry short (call took %s real)", time.Since(began))
			assert.Equal(t, []time.Duration{200 * time.Millisecond}, clock.slept(), "one backoff slept")
			assert.NotContains(t, err.Error(), "timeouts.min_fit")
		})
	}
}
