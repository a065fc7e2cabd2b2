package journal

import (
	"hash/maphash"
	"sync/atomic"
)

// cleanMemo remembers the last value of one entry field that masked to
// itself, so that a client sending the same User-Agent (or path, or
// Content-Type) on every request does not have it scanned for secrets
// every time: the scan reads every byte of the value, the memo compares
// it with one string.
//
// It remembers only a value its mask left unchanged: such a value holds no
// secret (the journal keeps it as it is anyway), so the memo never holds
// one. A value that held a secret is masked again each time it is seen,
// exactly as before. Masking is a pure function of the value (and of the
// field's fixed header name), so the result is the same either way.
// Atomics only: concurrent requests read and replace it without a lock; a value longer than cleanMemoMax is never remembered, so the memo
// keeps no large value alive.
type cleanMemo struct {
	last atomic.Pointer[string]
	cand atomic.Uint64 // seenTwice's hash of the last clean value not remembered
}

// cleanMemoMax is the longest value a cleanMemo remembers.
const cleanMemoMax = 512

// mask returns mask(name, v), skipping the call when v is the value last
// found clean. A memo serves one field, so name is always the same.
func (c *cleanMemo) mask(name, v string, mask func(name, v string) string) string {
	if p := c.last.Load(); p != nil && *p == v {
		return v
	}
	out := mask(name, v)
	if out == v && len(v) <= cleanMemoMax && c.seenTwice(v) {
		clean := v // a copy, so that only this branch allocates
		c.last.Store(&clean)
	}
	return out
}

// seenTwice reports whether clean value v is the one the last clean value
// not remembered was (by a seeded hash), and otherwise notes it as that
// one. A value is remembered only when it comes twice in a row: a field
// that changes on every request (a replay's paths, asked in any order)
// would otherwise cost an allocation per request to remember a value
// never asked for again. A hash collision only remembers a value early.
func (c *cleanMemo) seenTwice(v string) bool {
	h := maphash.String(memoSeed, v)
	if c.cand.Load() == h {
		return true
	}
	c.cand.Store(h)
	return false
}

// memoSeed seeds the hashes of seenTwice.
var memoSeed = maphash.MakeSeed()

var (
	pathMemo, userAgentMemo cleanMemo
	// headerMemos has one memo per journal header whose value repeats
	// from request to request (not Traceparent, new on each); it is
	// never written after init, so lookups need no lock.
	headerMemos = map[string]*cleanMemo{"Content-Type": new(cleanMemo), "X-Client-Id": new(cleanMemo)}
)
