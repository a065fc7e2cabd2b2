package reqlog

import (
	"math/rand/v2"
	"testing"
	"time"
	_ "time/tzdata" // a zone with daylight saving time, on every machine

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A line's time from the remembered second is what time.RFC3339Nano
// writes, for seeded random seconds (seed 3) in zones with and without
// daylight saving, each written at several nanoseconds in a row (so the
// second is remembered, then replaced, sometimes by the same second in
// another zone), whole seconds and fractions with
// trailing zeros among them, and around the shifts of daylight saving.
func TestStampIsRFC3339Nano(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	zones := []*time.Location{time.UTC, time.Local, ny, time.FixedZone("", 5*3600+1800), time.FixedZone("W", -7*3600), time.FixedZone("S", -(3*3600 + 45*60 + 30))}
	nanos := []int{0, 1, 5, 10, 100_000_000, 120_000_000, 999_999_999, 500_000_000, 123_456_789, 1000}
	rng := rand.New(rand.NewPCG(3, 4))
	check := func(tm time.Time) {
		st := stampOf(tm)
		require.NotNil(t, st, "%v", tm)
		require.Equal(t, tm.AppendFormat(nil, time.RFC3339Nano), st.append(nil, tm.Nanosecond()), "seed 3: %v", tm)
	}
	for range 3000 {
		sec := rng.Int64N(253402300799+62135596800) - 62135596800 // years 0-9999
		for range 4 {
			loc := zones[rng.IntN(len(zones))] // the same second in another zone now and then
			check(time.Unix(sec, int64(nanos[rng.IntN(len(nanos))])).In(loc))
			check(time.Unix(sec, rng.Int64N(1e9)).In(loc))
		}
	}
	// New York's clocks go back at 06:00 UTC on 2026-11-01: the same wall
	// time twice, with a different zone each, second after second.
	shift := time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC).Unix()
	for s := shift - 3; s <= shift+3; s++ {
		check(time.Unix(s, 250_000_000).In(ny))
		check(time.Unix(s, 0).In(ny))
	}
	check(time.Now()) // with a monotonic reading
}

func TestStampOutsideYears(t *testing.T) {
	assert.Nil(t, stampOf(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)), "slog reports a year past 9999 its own way")
	assert.Nil(t, stampOf(time.Date(-1, 12, 31, 23, 59, 59, 0, time.UTC)))
	assert.NotNil(t, stampOf(time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC)))
	assert.NotNil(t, stampOf(time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)))
}
