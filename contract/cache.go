package contract

import (
	"sync"
	"sync/atomic"

	"github.com/pb33f/libopenapi-validator/cache"
)

// lazyCache is libopenapi-validator's schema cache with its up-front warm-up
// skipped: while warm is set (during construction) every lookup reports a
// hit, so nothing compiles; afterwards schemas compile on first use and are
// kept. On OpenAI's spec this takes construction from ~20 s to milliseconds.
type lazyCache struct {
	warm atomic.Bool
	m    sync.Map // uint64 -> *cache.SchemaCacheEntry
}

func newLazyCache() *lazyCache {
	c := &lazyCache{}
	c.warm.Store(true)
	return c
}

func (c *lazyCache) Load(key uint64) (*cache.SchemaCacheEntry, bool) {
	if c.warm.Load() {
		return nil, true
	}
	v, ok := c.m.Load(key)
	if !ok {
		return nil, false
	}
	return v.(*cache.SchemaCacheEntry), true
}

func (c *lazyCache) Store(key uint64, value *cache.SchemaCacheEntry) {
	if value != nil {
		c.m.Store(key, value)
	}
}

func (c *lazyCache) Range(f func(key uint64, value *cache.SchemaCacheEntry) bool) {
	c.m.Range(func(k, v any) bool { return f(k.(uint64), v.(*cache.SchemaCacheEntry)) })
}
