package journal

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Entry is what the upstream saw of one request and what it did about it.
type Entry struct {
	Seq            uint64            `json:"seq"`
	Time           time.Time         `json:"time"`
	Method         string            `json:"method"`
	Host           string            `json:"host,omitempty"` // as the client addressed it
	TLS            bool              `json:"tls,omitempty"`  // it came over TLS
	Path           string            `json:"path"`
	Query          string            `json:"query,omitempty"`
	Route          string            `json:"route,omitempty"`
	RemoteAddr     string            `json:"remote_addr"`
	IdempotencyKey string            `json:"idempotency_key,omitempty"`
	RequestID      string            `json:"request_id,omitempty"`
	UserAgent      string            `json:"user_agent,omitempty"`
	Headers        map[string]string `json:"headers,omitempty"`
	BodySHA256     string            `json:"body_sha256,omitempty"`
	BodySize       int64             `json:"body_size"`
	Faults         []Applied         `json:"faults,omitempty"`
	// Notes are what an inspector (fault.WithInspect) recorded about the
	// request, such as the operation of a spec and a contract violation.
	Notes map[string]string `json:"notes,omitempty"`
	// Effect is true when the route's own response was produced: the
	// upstream processed the request, whatever the client then received.
	Effect    bool          `json:"effect"`
	Status    int           `json:"status"`
	BytesSent int64         `json:"bytes_sent"`
	End       string        `json:"end"`
	Duration  time.Duration `json:"duration_ns"` // until the answer was complete, or the connection cut
}

// How a connection ended, as recorded in an entry's End.
const (
	EndComplete   = "complete"    // the response was written in full
	EndReset      = "reset"       // TCP RST, no response
	EndClosed     = "closed"      // clean close, empty reply
	EndTruncated  = "truncated"   // headers and part of the body, then close
	EndGarbage    = "garbage"     // random bytes, then close
	EndHung       = "hung"        // never answered until client or server gave up
	EndClientGone = "client_gone" // the client closed the connection first

	// EndBodyTimeout: the request body did not arrive within the body
	// timeout; answered 408 and the connection closed.
	EndBodyTimeout = "body_timeout"
)

// Applied is one fault applied to a request, with its parameters as drawn.
type Applied struct {
	Type   string            `json:"type"`
	Params map[string]string `json:"params,omitempty"`
}

// FaultNames lists the types of the faults applied, joined by "+".
func (e *Entry) FaultNames() string {
	names := make([]string, len(e.Faults))
	for i, a := range e.Faults {
		names[i] = a.Type
	}
	return strings.Join(names, "+")
}

// EndTime is when the upstream finished with the request: its answer
// complete, or its connection cut.
func (e *Entry) EndTime() time.Time { return e.Time.Add(e.Duration) }

// Complete reports whether the response was written in full, rather than
// the connection being cut, hung or given up (an entry without End counts
// as complete).
func (e *Entry) Complete() bool { return e.End == EndComplete || e.End == "" }

// Label is how the attempt appears in a timeline: its status, or how its
// connection ended, with any Retry-After, like "429 (Retry-After 1)" or
// "reset".
func (e *Entry) Label() string {
	l := strconv.Itoa(e.Status)
	if !e.Complete() {
		l = e.End
	}
	for _, a := range e.Faults {
		if v, ok := a.Params["retry_after"]; ok && v != "(missing)" {
			l += " (Retry-After " + v + ")"
		}
	}
	return l
}

// RetryAfter returns the earliest instant the upstream allowed the next
// attempt, and the wait it asked for as written, when the answer carried
// a Retry-After; ok is false when none or garbage was sent. Seconds count
// from the response's end as the upstream recorded it (a client counts
// from when it read the response, later still). An HTTP-date is the
// instant itself, on the upstream's clock: RFC 9110 has a client compare
// it with its own clock, as urllib3 and go-retryablehttp do, and a client
// that measures it from the response's Date header (whole seconds, so
// never later than the response) waits longer still.
func (e *Entry) RetryAfter() (due time.Time, asked string, ok bool) {
	for _, a := range e.Faults {
		v, ok := a.Params["retry_after"]
		if !ok {
			continue
		}
		if secs, err := strconv.Atoi(v); err == nil {
			return e.EndTime().Add(time.Duration(secs) * time.Second), v + "s", true
		}
		if at, err := http.ParseTime(v); err == nil {
			return at, at.UTC().Format("15:04:05"), true
		}
	}
	return time.Time{}, "", false
}
