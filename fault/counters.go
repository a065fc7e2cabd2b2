package fault

import "hash/maphash"

// maxScopeKeys bounds the schedule counters one route keeps. A rule counted
// per client key (per ip, per header:Idempotency-Key) meets a new key with
// every client or logical call; a long-running serve must not keep them all.
const maxScopeKeys = 1 << 16

// counters counts requests per scope key in bounded memory: it keeps the
// keys seen most recently, in two generations. When the current generation
// fills half the bound it becomes the old one and the oldest is dropped;
// a key read from the old generation moves to the current one. A key unseen
// for that long counts from 1 again, as a new client would. Keys are held
// as seeded 64-bit hashes, so a long header value costs no more than a
// short one (two keys sharing a hash, one chance in 2^64 per pair, would
// share a count).
type counters struct {
	cur, old map[uint64]int
	max      int
	seed     maphash.Seed
}

func newCounters(max int) *counters {
	return &counters{cur: map[uint64]int{}, max: max, seed: maphash.MakeSeed()}
}

// inc counts one more request for key and returns its new count.
func (c *counters) inc(name string) int {
	key := maphash.String(c.seed, name)
	n, ok := c.cur[key]
	if !ok {
		n = c.old[key]
		delete(c.old, key)
	}
	n++
	c.cur[key] = n
	if len(c.cur) >= c.max/2 {
		c.old, c.cur = c.cur, map[uint64]int{}
	}
	return n
}

// len is how many keys are remembered.
func (c *counters) len() int { return len(c.cur) + len(c.old) }
