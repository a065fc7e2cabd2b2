package fault

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// chanBuffers is how the proxy lent its copy buffers before proxyBuffers:
// a channel shared by every core. Kept as the benchmark's baseline.
type chanBuffers chan []byte

func (p chanBuffers) Get() []byte {
	select {
	case b := <-p:
		return b
	default:
		return make([]byte, proxyBufferSize)
	}
}

func (p chanBuffers) Put(b []byte) {
	select {
	case p <- b:
	default:
	}
}

func TestProxyBuffersLendWithoutAllocating(t *testing.T) {
	p := newProxyBuffers()
	p.put(p.get())
	short := 0
	allocs := testing.AllocsPerRun(1000, func() {
		b := p.get()
		if len(*b) != proxyBufferSize {
			short++
		}
		p.put(b)
	})
	assert.Zero(t, short, "every buffer lent is full-size")
	// sync.Pool may drop a buffer at a garbage collection; the test's
	// 1000 rounds see a few at most, never one a round.
	assert.Less(t, allocs, 0.1, "a buffer taken and given back allocates nothing")
	// ReverseProxy's side: a full-size buffer is kept, a short one is not.
	b := p.Get()
	assert.Len(t, b, proxyBufferSize)
	p.Put(b[:10])
	assert.Len(t, *p.get(), proxyBufferSize, "a buffer given back short is lent at full length")
	p.Put(make([]byte, 10))
	assert.Len(t, *p.get(), proxyBufferSize, "a buffer too small is not kept")
}

// BenchmarkProxyBuffers takes and gives back a copy buffer from every core
// at once, as the proxy does once a response: go test -run '^$' -bench
// ProxyBuffers ./fault/ (Chan: the shared channel before; Pool: now).
func BenchmarkProxyBuffers(b *testing.B) {
	b.Run("Chan", func(b *testing.B) {
		p := make(chanBuffers, 64)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				p.Put(p.Get())
			}
		})
	})
	b.Run("Pool", func(b *testing.B) {
		p := newProxyBuffers()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				p.put(p.get())
			}
		})
	})
}
