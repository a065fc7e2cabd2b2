package resilience

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// staleCache keeps the last good response per GET URL, oldest evicted first.
type staleCache struct {
	mu      sync.Mutex
	p       StaleCachePolicy
	entries map[string]cacheEntry
	order   []string // insertion order, for eviction
}

type cacheEntry struct {
	status int
	header http.Header
	body   []byte
	at     time.Time
}

func newStaleCache(p StaleCachePolicy) *staleCache {
	if !p.Enabled {
		return nil
	}
	return &staleCache{p: p, entries: map[string]cacheEntry{}}
}

func (c *staleCache) put(key string, r *Response, now time.Time) {
	if c == nil || !storable(r.Header) {
		return
	}
	c.mu.Lock()
	old, ok := c.entries[key]
	if ok && old.status == r.StatusCode && bytes.Equal(old.body, r.Body) {
		// Polling an unchanged resource: keep the copy, refresh its age.
		old.at = now
		c.entries[key] = old
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	e := cacheEntry{status: r.StatusCode, header: r.Header.Clone(), body: slices.Clone(r.Body), at: now}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; !ok {
		c.order = append(c.order, key)
	}
	c.entries[key] = e
	for len(c.order) > c.p.MaxEntries {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
}

// storable reports whether a response may be kept for later: not when the
// upstream said no-store or private.
func storable(h http.Header) bool {
	cc := strings.ToLower(strings.Join(h.Values("Cache-Control"), ","))
	return !strings.Contains(cc, "no-store") && !strings.Contains(cc, "private")
}

// cacheKey is the URL plus a digest of the caller's credentials and the
// headers the response varies by, so one caller's answer is never served
// to another.
func cacheKey(cl *call) string {
	h := sha256.New()
	for _, k := range []string{"Authorization", "Cookie", "Proxy-Authorization"} {
		fmt.Fprintf(h, "%s=%q;", k, cl.header.Values(k))
	}
	return cl.rawURL + "\x00" + hex.EncodeToString(h.Sum(nil)[:16])
}

// get returns a copy of the entry for key if it is younger than MaxAge
// (zero MaxAge: any age).
func (c *staleCache) get(key string, now time.Time) (*Response, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if !ok || (c.p.MaxAge > 0 && now.Sub(e.at) > c.p.MaxAge) {
		return nil, false
	}
	return &Response{StatusCode: e.status, Header: e.header.Clone(), Body: slices.Clone(e.body), Fallback: true, Stale: true}, true
}
