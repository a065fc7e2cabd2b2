package logbuf

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/internal/syncbuf"
)

func TestLinesArriveInOrderAndAllAtClose(t *testing.T) {
	var dst syncbuf.Buffer
	w := New(&dst)
	var want strings.Builder
	for i := 0; i < 5000; i++ {
		line := fmt.Sprintf("line %d\n", i)
		want.WriteString(line)
		_, err := w.Write([]byte(line))
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	assert.Equal(t, want.String(), dst.String())
	_, err := w.Write([]byte("after close\n"))
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(dst.String(), "line 4999\nafter close\n"), "a write after Close goes straight through")
	require.NoError(t, w.Close(), "Close twice is fine")
}

func TestALineWaitsNoLongerThanTheInterval(t *testing.T) {
	var dst syncbuf.Buffer
	w := New(&dst)
	defer w.Close()
	_, _ = w.Write([]byte("one\n"))
	assert.Eventually(t, func() bool { return dst.String() == "one\n" }, 20*Interval, Interval/5)
}

// slow blocks every write until released, as a stalled terminal would.
type slow struct {
	release chan struct{}
	mu      sync.Mutex
	got     strings.Builder
}

func (s *slow) Write(p []byte) (int, error) {
	<-s.release
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.got.Write(p)
}

func TestAStalledDestinationNeitherBlocksNorGrowsWithoutBound(t *testing.T) {
	dst := &slow{release: make(chan struct{})}
	w := New(dst)
	line := []byte(strings.Repeat("x", 1023) + "\n")
	// Were a write to wait for the destination, this loop would never end.
	// More than can ever be held (Limit waiting plus one batch of at most
	// Limit in flight), so lines are dropped however the loop is scheduled.
	n := 2*Limit/len(line) + 100
	for i := 0; i < n; i++ {
		_, err := w.Write(line)
		require.NoError(t, err)
	}
	close(dst.release)
	require.NoError(t, w.Close())
	got := dst.got.String()
	// What is held is at most Limit waiting plus the one batch the stalled
	// write holds; that batch is whatever waited when the loop woke, so up to
	// Limit itself when the writer outran the loop (it does under -race).
	assert.LessOrEqual(t, len(got), 2*Limit+200, "bounded memory")
	assert.Contains(t, got, "log lines dropped")
}
