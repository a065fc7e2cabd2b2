package reqlog

import (
	"bytes"
	"context"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// slogLine is what slog's own JSON handler writes for l.
func slogLine(t *testing.T, l *Line, opts *slog.HandlerOptions) string {
	t.Helper()
	var out bytes.Buffer
	rec := slog.NewRecord(l.Time, slog.LevelInfo, Msg, 0)
	rec.AddAttrs(l.AppendAttrs(nil)...)
	require.NoError(t, slog.NewJSONHandler(&out, opts).Handle(context.Background(), rec))
	return out.String()
}

// written is what h writes for l: directly, or through slog when it
// declines; it reports which.
func written(t *testing.T, l *Line, opts *slog.HandlerOptions) (string, bool) {
	t.Helper()
	var out bytes.Buffer
	h := NewJSON(&out, opts)
	if h.WriteRequest(l) {
		return out.String(), true
	}
	require.Empty(t, out.String(), "a declined line is not written")
	rec := slog.NewRecord(l.Time, slog.LevelInfo, Msg, 0) // as package fault logs it then
	rec.AddAttrs(l.AppendAttrs(nil)...)
	require.NoError(t, h.Handle(context.Background(), rec))
	return out.String(), false
}

// TestRequestLineIsSlogsLine writes seeded random request lines (seed 1,
// printed on failure) both ways: the direct line must equal slog's, byte
// for byte, and the lines it declines must still come out as slog's.
func TestRequestLineIsSlogsLine(t *testing.T) {
	words := []string{"", "GET", "POST", "/v1/charges", "/x", "complete", "client_gone", "latency+status", "charges",
		"key-123", "a b", "<&>", "'", "~", "\x7f", `"`, `\`, "\n", "\t", "\x01", "é", "\u2028", "\xff", "…[cut 9 bytes"}
	zones := []*time.Location{time.UTC, time.FixedZone("", 5*3600+1800), time.FixedZone("X", -7*3600)}
	rng := rand.New(rand.NewPCG(1, 2))
	str := func() string {
		s := ""
		for range rng.IntN(3) {
			s += words[rng.IntN(len(words))]
		}
		return s
	}
	direct, declined := 0, 0
	for i := range 5000 {
		l := Line{Time: time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)).In(zones[rng.IntN(len(zones))]), Seq: rng.Uint64N(1e12),
			Method: str(), Path: str(), Status: rng.IntN(600), End: str(), Duration: time.Duration(rng.Int64N(1e11)),
			Route: str(), Fault: str(), IdempotencyKey: str()}
		if i%7 == 0 {
			l.Time = time.Now() // with a monotonic reading, which slog strips
		}
		got, fast := written(t, &l, nil)
		require.Equal(t, slogLine(t, &l, nil), got, "seed 1, line %d: %+v", i, l)
		if fast {
			direct++
		} else {
			declined++
		}
	}
	assert.Greater(t, direct, 200, "the direct path is exercised")
	assert.Greater(t, declined, 500, "the slog path is exercised")
}

func TestRequestLineLeftToSlog(t *testing.T) {
	l := Line{Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), Method: "GET", Path: "/x", End: "complete"}
	got, fast := written(t, &l, nil)
	assert.False(t, fast, "slog reports a year past 9999 its own way")
	assert.Equal(t, slogLine(t, &l, nil), got)

	l.Time = time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	upper := &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == "path" {
			a.Value = slog.StringValue("/masked")
		}
		return a
	}}
	got, fast = written(t, &l, upper)
	assert.False(t, fast, "ReplaceAttr rewrites attributes: slog applies it")
	assert.Contains(t, got, `"path":"/masked"`)
	assert.Equal(t, slogLine(t, &l, upper), got)
}

func TestRequestLineHonoursTheLevel(t *testing.T) {
	var out bytes.Buffer
	h := NewJSON(&out, &slog.HandlerOptions{Level: slog.LevelWarn})
	l := Line{Time: time.Now(), Method: "GET", Path: "/x", End: "complete"}
	assert.True(t, h.WriteRequest(&l), "a line below the level is taken care of: dropped")
	assert.Empty(t, out.String())
	slog.New(h).Warn("still", "n", 1)
	assert.Contains(t, out.String(), `"msg":"still","n":1}`)
}
