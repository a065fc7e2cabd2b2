package fault

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRateLimitAnswers429AndClears(t *testing.T) {
	clock := newFakeClock()
	s := servePlan(t, okRoute+"      - rate_limit: {limit: 2, window: 250ms}\n", WithClock(clock))
	req := func() *http.Response {
		resp, err := s.Client().Get(s.URL + "/x")
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	assert.Equal(t, 200, req().StatusCode)
	r2 := req()
	assert.Equal(t, 200, r2.StatusCode)
	assert.Equal(t, "0", r2.Header.Get("X-RateLimit-Remaining"))
	r3 := req()
	assert.Equal(t, 429, r3.StatusCode)
	assert.Equal(t, "1", r3.Header.Get("Retry-After"))
	assert.Equal(t, "2", r3.Header.Get("X-RateLimit-Limit"))
	clock.Advance(249 * time.Millisecond)
	assert.Equal(t, 429, req().StatusCode, "still inside the window")
	clock.Advance(time.Millisecond)
	assert.Equal(t, 200, req().StatusCode, "the limit clears when the window passes")
}

// TestRateLimitHTTPDateNotBeforeReset: the date is the window's reset
// rounded up to the second, so a client that waits until exactly that
// instant is let through, wherever in a second the window began.
func TestRateLimitHTTPDateNotBeforeReset(t *testing.T) {
	clock := newFakeClockAt(time.Date(2026, 1, 2, 3, 4, 5, 300_000_000, time.UTC))
	s := servePlan(t, okRoute+"      - rate_limit: {limit: 1, window: 1s, retry_after: http-date}\n", WithClock(clock))
	status := func() (int, string) {
		resp, err := s.Client().Get(s.URL + "/x")
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Retry-After")
	}
	code, _ := status() // opens the window at 3:04:05.300; it resets at 3:04:06.300
	require.Equal(t, 200, code)
	code, v := status()
	require.Equal(t, 429, code)
	assert.Equal(t, "Fri, 02 Jan 2026 03:04:07 GMT", v, "cut to the second, 03:04:06 would be before the reset")
	at, err := http.ParseTime(v)
	require.NoError(t, err)
	clock.Advance(at.Sub(clock.Now()))
	code, _ = status()
	assert.Equal(t, 200, code, "a client that waits until the date is let through")
}

func TestRateLimitRetryAfterForms(t *testing.T) {
	for form, check := range map[string]func(t *testing.T, v string, ok bool){
		"http-date": func(t *testing.T, v string, ok bool) {
			at, err := http.ParseTime(v)
			require.NoError(t, err)
			assert.WithinDuration(t, time.Now(), at, 3*time.Second)
		},
		"missing": func(t *testing.T, v string, ok bool) { assert.False(t, ok) },
		"garbage": func(t *testing.T, v string, ok bool) { assert.Equal(t, "soon-ish", v) },
	} {
		t.Run(form, func(t *testing.T) {
			s := servePlan(t, okRoute+"      - rate_limit: {limit: 0, window: 1s, retry_after: "+form+"}\n")
			resp, err := s.Client().Get(s.URL + "/x")
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, 429, resp.StatusCode)
			vs, ok := resp.Header["Retry-After"]
			v := ""
			if ok {
				v = vs[0]
			}
			check(t, v, ok)
		})
	}
}

func TestRateLimitKeyedPerClient(t *testing.T) {
	s := servePlan(t, okRoute+"      - rate_limit: {limit: 1, window: 10s, key: 'header:X-Api-Key'}\n")
	a := statuses(t, s, "/x", 2, map[string]string{"X-Api-Key": "a"})
	b := statuses(t, s, "/x", 1, map[string]string{"X-Api-Key": "b"})
	assert.Equal(t, []int{200, 429}, a)
	assert.Equal(t, []int{200}, b, "another key has its own window")
}

func TestRateLimitWindowsAreBounded(t *testing.T) {
	l := &rateLimitFault{Limit: 1, Window: time.Millisecond}
	now := time.Now()
	for i := 0; i < maxWindows+50; i++ {
		l.take(fmt.Sprint("key-", i), now.Add(time.Duration(i)*time.Millisecond))
	}
	assert.LessOrEqual(t, len(l.windows), maxWindows, "expired windows of random keys are dropped")
}
