package fault

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestOutageWindow(t *testing.T) {
	clock := newFakeClock()
	s := servePlan(t, okRoute+"      - outage: {for: 150ms}\n", WithClock(clock))
	assert.Equal(t, []int{503}, statuses(t, s, "/x", 1, nil))
	clock.Advance(149 * time.Millisecond)
	assert.Equal(t, []int{503}, statuses(t, s, "/x", 1, nil))
	clock.Advance(time.Millisecond)
	assert.Equal(t, []int{200}, statuses(t, s, "/x", 1, nil))
}

func TestOutageFlapping(t *testing.T) {
	o := outageFault{Up: 100 * time.Millisecond, Down: 50 * time.Millisecond}
	var got []bool
	for _, ms := range []int{0, 99, 100, 149, 150, 260} {
		got = append(got, o.IsDown(time.Duration(ms)*time.Millisecond))
	}
	assert.Equal(t, []bool{false, false, true, true, false, true}, got)
}
