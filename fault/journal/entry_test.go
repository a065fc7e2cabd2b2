package journal

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func retryAfterEntry(status int, end, retryAfter string) Entry {
	return Entry{
		Time:     time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Duration: 1500 * time.Millisecond,
		Status:   status,
		End:      end,
		Faults:   []Applied{{Type: "rate_limit", Params: map[string]string{"retry_after": retryAfter}}},
	}
}

func TestEntryEndTime(t *testing.T) {
	e := Entry{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Duration: 250 * time.Millisecond}
	assert.Equal(t, time.Date(2026, 1, 2, 3, 4, 5, 250e6, time.UTC), e.EndTime())
}

func TestEntryComplete(t *testing.T) {
	for end, want := range map[string]bool{
		EndComplete: true, "": true, EndReset: false, EndHung: false, EndTruncated: false, EndClientGone: false,
	} {
		e := Entry{End: end}
		assert.Equal(t, want, e.Complete(), "End %q", end)
	}
}

func TestEntryLabel(t *testing.T) {
	tests := []struct {
		name string
		e    Entry
		want string
	}{
		{"status", Entry{Status: 200, End: EndComplete}, "200"},
		{"no end recorded", Entry{Status: 503}, "503"},
		{"cut", Entry{Status: 200, End: EndReset}, "reset"},
		{"retry-after seconds", retryAfterEntry(429, EndComplete, "1"), "429 (Retry-After 1)"},
		{"retry-after left out", retryAfterEntry(429, EndComplete, "(missing)"), "429"},
		{"other parameters", Entry{Status: 200, End: EndComplete,
			Faults: []Applied{{Type: "latency", Params: map[string]string{"delay": "1s"}}}}, "200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.e.Label())
		})
	}
}

func TestEntryRetryAfter(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 5, 0, 0, time.UTC)
	tests := []struct {
		name      string
		e         Entry
		wantOK    bool
		wantDue   time.Time
		wantAsked string
	}{
		{"seconds count from the end", retryAfterEntry(429, EndComplete, "2"), true,
			time.Date(2026, 1, 2, 3, 4, 8, 500e6, time.UTC), "2s"},
		{"http-date is the instant", retryAfterEntry(503, EndComplete, at.Format("Mon, 02 Jan 2006 15:04:05 GMT")),
			true, at, "03:05:00"},
		{"garbage", retryAfterEntry(429, EndComplete, "soon-ish"), false, time.Time{}, ""},
		{"left out", retryAfterEntry(429, EndComplete, "(missing)"), false, time.Time{}, ""},
		{"none", Entry{Status: 503}, false, time.Time{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			due, asked, ok := tt.e.RetryAfter()
			assert.Equal(t, tt.wantOK, ok)
			assert.True(t, tt.wantDue.Equal(due), "due %v, want %v", due, tt.wantDue)
			assert.Equal(t, tt.wantAsked, asked)
		})
	}
}
