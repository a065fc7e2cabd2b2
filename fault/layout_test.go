package fault

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
)

// What every request reads of the plan in force fills whole cache lines:
// the allocator aligns a value of 64 or 128 bytes to a line, so no value
// another core writes can share one with it (see cacheLine).
func TestPlanStateFillsWholeCacheLines(t *testing.T) {
	for name, size := range map[string]uintptr{"planState": unsafe.Sizeof(planState{}), "routeState": unsafe.Sizeof(routeState{})} {
		assert.Zero(t, size%cacheLine, "%s is %d bytes", name, size)
		assert.LessOrEqual(t, size, uintptr(2*cacheLine), "%s is %d bytes: past 128 the allocator's sizes are not all whole lines", name, size)
	}
}
