package english

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCount(t *testing.T) {
	for _, tc := range []struct {
		n    int
		noun string
		want string
	}{
		{0, "file", "0 files"},
		{1, "file", "1 file"},
		{2, "file", "2 files"},
		{1, "entry", "1 entry"},
		{3, "entry", "3 entries"},
		{2, "delivery", "2 deliveries"},
		{2, "key", "2 keys"},
		{2, "match", "2 matches"},
		{2, "bus", "2 buses"},
		{2, "difference", "2 differences"},
		{1, "recorded interaction", "1 recorded interaction"},
		{4, "recorded interaction", "4 recorded interactions"},
	} {
		assert.Equal(t, tc.want, Count(tc.n, tc.noun))
	}
	assert.Equal(t, "2 people", CountAs(2, "person", "people"))
	assert.Equal(t, "1 person", CountAs(1, "person", "people"))
}
