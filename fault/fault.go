package fault

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/faultline-dev/faultline/fault/journal"
)

// Fault is one way an upstream misbehaves. Serve answers the request in its
// own way; a fault that only delays or decorates calls c.Next to produce the
// response the route would otherwise give. Faults are small values; every
// random draw they make comes from c.Rand, so a seed repeats a run. A fault
// that keeps state also has a Reset method, which Handler.Reset calls.
type Fault interface {
	// Kind is the name the fault is registered under ("latency", "reset").
	Kind() string
	Serve(w http.ResponseWriter, r *http.Request, c *Call)
}

// resetter is implemented by faults that keep state (a rate limiter's
// windows): a Fault with a Reset method is cleared by Handler.Reset.
type resetter interface{ Reset() }

// Call is what a fault knows about the request it is serving: its position
// in the rule's schedule, a seeded source of randomness, and what comes next.
type Call struct {
	N     int        // 1-based position of the request in the rule's counting scope
	Seq   uint64     // the request's journal sequence number
	Start time.Time  // when the plan started (server start or last reset)
	Rand  *rand.Rand // seeded from the plan's seed, the route and N
	Next  http.Handler
	Done  <-chan struct{} // closed when the server starts shutting down

	stop    <-chan struct{} // closed when held requests must end at once
	clock   Clock
	entry   *journal.Entry
	mu      *sync.Mutex
	mutator Mutator // nil unless the handler has WithMutator
}

// Now reports the handler's clock.
func (c *Call) Now() time.Time { return c.clock.Now() }

// Note records a parameter of the fault as applied (the drawn delay, the
// bytes kept) in the request's journal entry.
//
// A fault that serves another one (an outage failing with a status) has its
// inner fault's notes recorded on its own entry.
func (c *Call) Note(kind, key string, value any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entry.Faults) == 0 {
		return
	}
	a := &c.entry.Faults[len(c.entry.Faults)-1]
	for i := range c.entry.Faults {
		if c.entry.Faults[i].Type == kind {
			a = &c.entry.Faults[i]
		}
	}
	if a.Params == nil {
		a.Params = map[string]string{}
	}
	a.Params[key] = fmt.Sprint(value)
}

// abort ends a request a fault was holding when the wait was cut short: if
// the client left there is nothing to send; if the server is closing, the
// connection is closed rather than answered with an empty 200.
func (c *Call) abort(w http.ResponseWriter, r *http.Request) {
	if r.Context().Err() != nil {
		c.End(journal.EndClientGone)
		return
	}
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		c.cut(conn, journal.EndClosed)
		return
	}
	panic(http.ErrAbortHandler) // headers already sent: cut the response
}

// cut closes conn, recording how it ended and that the call ended now,
// before the close: the client may act on it at once, and a retry must not
// seem to arrive before the attempt it follows ended.
func (c *Call) cut(conn net.Conn, how string) {
	c.ended()
	_ = conn.Close()
	c.End(how)
}

// hijack takes the connection over; on failure (HTTP/2) it answers 502 so
// the fault is at least visible, and returns nil.
func hijack(w http.ResponseWriter, c *Call) net.Conn {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		c.Note(c.entry.Faults[len(c.entry.Faults)-1].Type, "error", "cannot hijack: "+err.Error())
		http.Error(w, "faultline: socket faults need HTTP/1.1", http.StatusBadGateway)
		return nil
	}
	return conn
}

// ended records that the call's answer (or its failure) reached the
// client now, unless an earlier moment was recorded: the journal entry's
// Duration ends here rather than when the handler returns.
func (c *Call) ended() {
	c.mu.Lock()
	if c.entry.Duration == 0 {
		c.entry.Duration = max(c.clock.Now().Sub(c.entry.Time), time.Nanosecond)
	}
	c.mu.Unlock()
}

// End records how the connection ended when a fault ended it on purpose:
// [journal.EndReset], EndClosed, EndTruncated, EndGarbage or EndHung.
func (c *Call) End(how string) {
	c.mu.Lock()
	c.entry.End = how
	c.mu.Unlock()
}

// decoder builds a fault from its YAML parameters. Decoders use the
// decode function they are given, which rejects unknown keys and wrong
// types with file:line:col, and return errors made with its Errorf.
type decoder func(d *params) (Fault, error)

var (
	registryMu sync.RWMutex
	registry   = map[string]decoder{}
)

// register makes a fault type available to plan files under name; it
// panics if name is taken. Only this package registers faults: plan files
// name the faults documented here (a Go program may still put a Fault of
// its own in a Rule).
func register(name string, dec decoder) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[name]; dup {
		panic("fault: register called twice for " + name)
	}
	registry[name] = dec
}

// Kinds lists the registered fault types, sorted.
func Kinds() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	out := make([]string, 0, len(registry))
	for k := range registry {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func lookup(name string) (decoder, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	d, ok := registry[name]
	return d, ok
}

func kindList() string { return strings.Join(Kinds(), ", ") }
