package journal

import (
	"encoding/binary"
	"time"
)

// A kept entry is stored as bytes, not as an Entry: an Entry holds a
// dozen strings, two maps and a slice of faults with maps of their own,
// and a journal of 10,000 of them gives the garbage collector some 200,000
// pointers to follow on every cycle (about 4 ms a cycle in a busy proxy).
// Bytes it does not look into. The encoding is private to this package
// and lives only as long as the process: it is written by [encodeEntry]
// at Record and read back by [entryDecoder] when someone reads the
// journal.
//
// Layout, in order: BodySize, BytesSent, Duration and Status as 8 bytes
// each (little-endian); one byte of flags (TLS, Effect); the eleven
// strings, each its length (uvarint) then its bytes; Headers and Notes,
// each a count (uvarint, 0 for a nil map, n+1 for n pairs) then its keys
// and values as strings; Faults, a count as for a map, then each fault's
// Type and Params. The sequence number and the time are kept beside the
// bytes, not in them: see [chunk] for why the time is.

// Entry flags.
const (
	flagTLS = 1 << iota
	flagEffect
)

// encodeEntry appends e's encoding (all but Seq and Time) to dst.
func encodeEntry(dst []byte, e *Entry) []byte {
	le := binary.LittleEndian
	dst = le.AppendUint64(dst, uint64(e.BodySize))
	dst = le.AppendUint64(dst, uint64(e.BytesSent))
	dst = le.AppendUint64(dst, uint64(e.Duration))
	dst = le.AppendUint64(dst, uint64(e.Status))
	var flags byte
	if e.TLS {
		flags |= flagTLS
	}
	if e.Effect {
		flags |= flagEffect
	}
	dst = append(dst, flags)
	// One call a string, not a loop over an array of them: copying the
	// eleven into an array cost a tenth of Record.
	dst = appendString(appendString(appendString(appendString(dst, e.Method), e.Host), e.Path), e.Query)
	dst = appendString(appendString(appendString(dst, e.Route), e.RemoteAddr), e.IdempotencyKey)
	dst = appendString(appendString(appendString(dst, e.RequestID), e.UserAgent), e.BodySHA256)
	dst = appendString(dst, e.End)
	dst = appendMap(dst, e.Headers)
	dst = appendMap(dst, e.Notes)
	if e.Faults == nil {
		return append(dst, 0)
	}
	dst = binary.AppendUvarint(dst, uint64(len(e.Faults))+1)
	for i := range e.Faults {
		dst = appendString(dst, e.Faults[i].Type)
		dst = appendMap(dst, e.Faults[i].Params)
	}
	return dst
}

// appendString appends s's length (uvarint) and bytes.
func appendString(dst []byte, s string) []byte {
	if len(s) < 0x80 { // the uvarint is one byte: most strings
		return append(append(dst, byte(len(s))), s...)
	}
	return append(binary.AppendUvarint(dst, uint64(len(s))), s...)
}

// appendMap appends m's count (0 for nil, n+1 for n pairs) and pairs.
func appendMap(dst []byte, m map[string]string) []byte {
	if m == nil {
		return append(dst, 0)
	}
	dst = binary.AppendUvarint(dst, uint64(len(m))+1)
	for k, v := range m {
		dst = appendString(appendString(dst, k), v)
	}
	return dst
}

// entryDecoder reads entries encoded by encodeEntry out of one string:
// every string of a decoded entry is a piece of it, so decoding allocates
// only the maps and the slice of faults.
type entryDecoder struct{ s string }

// decode fills in e, zero but for its Seq and Time, with the entry
// encoded in d.s[off:end].
func (d *entryDecoder) decode(e *Entry, off, end int) {
	r := reader{s: d.s[off:end]}
	e.BodySize, e.BytesSent, e.Duration, e.Status = int64(r.u64()), int64(r.u64()), time.Duration(r.u64()), int(r.u64())
	flags := r.byte()
	e.TLS, e.Effect = flags&flagTLS != 0, flags&flagEffect != 0
	for _, p := range [...]*string{&e.Method, &e.Host, &e.Path, &e.Query, &e.Route, &e.RemoteAddr,
		&e.IdempotencyKey, &e.RequestID, &e.UserAgent, &e.BodySHA256, &e.End} {
		*p = r.str()
	}
	e.Headers, e.Notes = r.strMap(), r.strMap()
	if n := r.uvarint(); n > 0 {
		e.Faults = make([]Applied, n-1)
		for i := range e.Faults {
			e.Faults[i].Type = r.str()
			e.Faults[i].Params = r.strMap()
		}
	}
}

// reader reads an encoding front to back. It trusts what it reads: the
// journal wrote it.
type reader struct{ s string }

func (r *reader) byte() byte {
	b := r.s[0]
	r.s = r.s[1:]
	return b
}

func (r *reader) u64() uint64 {
	s := r.s[:8]
	r.s = r.s[8:]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

func (r *reader) uvarint() int {
	var v, shift uint64
	for {
		b := r.byte()
		v |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return int(v)
		}
		shift += 7
	}
}

func (r *reader) str() string {
	n := r.uvarint()
	s := r.s[:n]
	r.s = r.s[n:]
	return s
}

func (r *reader) strMap() map[string]string {
	n := r.uvarint()
	if n == 0 {
		return nil
	}
	m := make(map[string]string, n-1)
	for range n - 1 {
		k := r.str()
		m[k] = r.str()
	}
	return m
}
