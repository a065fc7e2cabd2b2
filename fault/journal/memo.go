package journal

import "sync/atomic"

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
// One atomic pointer: concurrent requests read and replace it without a
// lock; a value longer than cleanMemoMax is never remembered, so the memo
// keeps no large value alive.
type cleanMemo struct{ last atomic.Pointer[string] }

// cleanMemoMax is the longest value a cleanMemo remembers.
const cleanMemoMax = 512

// mask returns mask(name, v), skipping the call when v is the value last
// found clean. A memo serves one field, so name is always the same.
func (c *cleanMemo) mask(name, v string, mask func(name, v string) string) string {
	if p := c.last.Load(); p != nil && *p == v {
		return v
	}
	out := mask(name, v)
	if out == v && len(v) <= cleanMemoMax {
		clean := v // a copy, so that only this branch allocates
		c.last.Store(&clean)
	}
	return out
}

var (
	pathMemo, userAgentMemo cleanMemo
	// headerMemos has one memo per journal header whose value repeats
	// from request to request (not Traceparent, new on each); it is
	// never written after init, so lookups need no lock.
	headerMemos = map[string]*cleanMemo{"Content-Type": new(cleanMemo), "X-Client-Id": new(cleanMemo)}
)
