package fault

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCountersBounded(t *testing.T) {
	c := newCounters(100)
	for i := 0; i < 10_000; i++ {
		assert.Equal(t, i+1, c.inc("route"), "a key seen on every request keeps its count across generations")
		c.inc(fmt.Sprintf("key-%d", i))
		assert.LessOrEqual(t, c.len(), 100)
	}
	assert.Equal(t, 2, c.inc("key-9999"), "a recent key is remembered")
	assert.Equal(t, 1, c.inc("key-0"), "a key unseen for long counts from 1 again")
}

func TestCountersMoveFromOldGeneration(t *testing.T) {
	c := newCounters(8)
	c.inc("a")
	c.inc("a")
	for i := 0; i < 3; i++ { // fills half the bound: a moves to the old generation
		c.inc(fmt.Sprint(i))
	}
	assert.Equal(t, 3, c.inc("a"))
	for i := 3; i < 6; i++ {
		c.inc(fmt.Sprint(i))
	}
	assert.Equal(t, 4, c.inc("a"), "read back from the old generation, a was kept")
}
