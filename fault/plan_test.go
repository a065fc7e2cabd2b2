package fault

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestWhenBuiltInGo: a schedule a Go program writes takes effect by its
// values alone: a probability is drawn against, After and For make a time
// window (there is no flag to set beside them).
func TestWhenBuiltInGo(t *testing.T) {
	half := When{Probability: 0.5}
	assert.True(t, half.applies(1, 0, 0.3), "a draw under p selects")
	assert.False(t, half.applies(1, 0, 0.7), "a draw over p does not")
	assert.True(t, When{}.applies(1, 0, 0.7), "no probability: no draw decides")

	window := When{After: time.Second, For: time.Second}
	assert.False(t, window.applies(1, 500*time.Millisecond, 0), "before the window")
	assert.True(t, window.applies(1, 1500*time.Millisecond, 0), "in the window")
	assert.False(t, window.applies(1, 2*time.Second, 0), "after the window")
	assert.False(t, When{For: time.Second}.applies(1, 3*time.Second, 0), "a window from the start ends")
}

// TestWhenFromAPlanDrawsEvenAtOne: a plan's probability 1 (or 0) still
// takes a draw on every request, so the draws after it stay as the seed
// made them, and 0 selects nothing.
func TestWhenFromAPlanDrawsEvenAtOne(t *testing.T) {
	for src, want := range map[string]bool{"probability: 1": true, "probability: 0": true, "first: 1": false} {
		p, err := LoadPlan("p.yaml", []byte("routes:\n  - path: /x\n    faults:\n      - when: {"+src+"}\n        status: {code: 503}\n"))
		if !assert.NoError(t, err) {
			continue
		}
		assert.Equal(t, want, p.Routes[0].Rules[0].When.drawn(), src)
	}
	zero, err := LoadPlan("p.yaml", []byte("routes:\n  - path: /x\n    faults:\n      - when: {probability: 0}\n        status: {code: 503}\n"))
	if assert.NoError(t, err) {
		assert.False(t, zero.Routes[0].Rules[0].When.applies(1, 0, 0), "probability 0 selects no request")
	}
}
