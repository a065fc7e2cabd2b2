package resilience

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	at := now.Add(90 * time.Second)
	cases := []struct {
		name, value, date string
		want              time.Duration
		ok                bool
	}{
		{"delta seconds", "120", "", 2 * time.Minute, true},
		{"fractional seconds", "1.5", "", 1500 * time.Millisecond, true},
		{"zero", "0", "", 0, true},
		{"IMF-fixdate", at.Format(http.TimeFormat), "", 90 * time.Second, true},
		{"RFC 850", at.Format(time.RFC850), "", 90 * time.Second, true},
		{"asctime", at.Format(time.ANSIC), "", 90 * time.Second, true},
		{"date against the response's Date", now.Add(time.Hour + 5*time.Second).Format(http.TimeFormat), now.Add(time.Hour).Format(http.TimeFormat), 5 * time.Second, true},
		{"date in the past", now.Add(-time.Minute).Format(http.TimeFormat), "", 0, true},
		{"huge", "99999999999999", "", maxHeaderWait, true},
		{"absent", "", "", 0, false},
		{"negative", "-5", "", 0, false},
		{"garbage", "soon", "", 0, false},
		{"not a number", "1x", "", 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := http.Header{}
			if c.value != "" {
				h.Set("Retry-After", c.value)
			}
			if c.date != "" {
				h.Set("Date", c.date)
			}
			got, ok := parseRetryAfter(h, now)
			assert.Equal(t, c.ok, ok)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestParseRateLimitReset(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	for _, c := range []struct {
		name, value string
		want        time.Duration
		ok          bool
	}{
		{"seconds", "30", 30 * time.Second, true},
		{"unix time", "1800000012", 12 * time.Second, true},
		{"absent", "", 0, false},
		{"garbage", "later", 0, false},
	} {
		h := http.Header{}
		if c.value != "" {
			h.Set("X-RateLimit-Reset", c.value)
		}
		got, ok := parseRateLimitReset(h, now)
		assert.Equal(t, c.ok, ok, c.name)
		assert.Equal(t, c.want, got, c.name)
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"1", "1.5", "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "-1", "1e400", "NaN"} {
		f.Add(s)
	}
	now := time.Unix(1e9, 0)
	f.Fuzz(func(t *testing.T, v string) {
		h := http.Header{"Retry-After": {v}, "X-Ratelimit-Reset": {v}}
		if d, ok := parseRetryAfter(h, now); ok && (d < 0 || d > maxHeaderWait) {
			t.Fatalf("Retry-After %q gave %s", v, d)
		}
		if d, ok := parseRateLimitReset(h, now); ok && (d < 0 || d > maxHeaderWait) {
			t.Fatalf("X-RateLimit-Reset %q gave %s", v, d)
		}
	})
}

func TestClassifyStatus(t *testing.T) {
	for code, want := range map[int]Class{
		200: ClassOK, 204: ClassOK, 304: ClassOK,
		400: ClassClientError, 401: ClassClientError, 403: ClassClientError, 404: ClassClientError,
		409: ClassClientError, 422: ClassClientError,
		408: ClassTransient, 502: ClassTransient, 503: ClassTransient, 504: ClassTransient,
		429: ClassRateLimited,
		500: ClassAmbiguous, 501: ClassAmbiguous, 599: ClassAmbiguous,
	} {
		assert.Equal(t, want, classifyStatus(code, false), "status %d", code)
	}
	assert.Equal(t, ClassRateLimited, classifyStatus(503, true), "503 with Retry-After is throttling")
	assert.Equal(t, "rate_limited", ClassRateLimited.String())
	assert.Equal(t, "unknown", Class(99).String())
}

func TestRetryableByClass(t *testing.T) {
	assert.True(t, ClassTransient.retryable(false))
	assert.True(t, ClassRateLimited.retryable(false))
	assert.True(t, ClassAmbiguous.retryable(true))
	assert.False(t, ClassAmbiguous.retryable(false))
	assert.False(t, ClassClientError.retryable(true))
	assert.False(t, ClassRejected.retryable(true))
}

// A window's end from a 429's Retry-After (rounded up to whole seconds)
// and X-RateLimit-Reset (a Unix time cut down to its second): the sooner
// of the two upper bounds when they agree, Retry-After alone otherwise.
func TestWindowLeftNarrowsRetryAfterWithTheReset(t *testing.T) {
	now := time.Unix(1_700_000_010, 300e6) // 10.3 s past some minute
	h := func(reset int64) http.Header {
		return http.Header{"X-Ratelimit-Reset": {strconv.FormatInt(1_700_000_000+reset, 10)}}
	}
	cases := []struct {
		name   string
		header http.Header
		ra     time.Duration
		want   time.Duration
	}{
		// ends in (10.3, 11.3] and in [10, 11): by 11.0 at the latest
		{"reset in this second", h(10), time.Second, 700 * time.Millisecond},
		// ends in (10.3, 11.3] and in [11, 12): by 11.3
		{"reset in the next second", h(11), time.Second, time.Second},
		{"no reset header", http.Header{}, time.Second, time.Second},
		{"a reset that disagrees is ignored", h(20), time.Second, time.Second},
		{"a delta-seconds reset is not a time", http.Header{"X-Ratelimit-Reset": {"1"}}, 2 * time.Second, 2 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, windowLeft(tc.header, now, tc.ra))
		})
	}
}
