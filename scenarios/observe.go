package scenarios

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/faultline-dev/faultline/fault/journal"
	"github.com/faultline-dev/faultline/fault/tlsfault"
	"github.com/faultline-dev/faultline/internal/english"
	"github.com/faultline-dev/faultline/report"
	"github.com/faultline-dev/faultline/resilience"
)

// Observation is everything a check may judge: what the upstream saw (the
// journal) and what the client reported.
type Observation struct {
	Scenario *Scenario
	Journal  []journal.Entry
	// Start is when the client's first request reached the upstream (when
	// it started, if it sent none): interpreter start-up is not timed.
	Start   time.Time
	Elapsed time.Duration // from Start until the client ended
	Calls   []CallResult  // one per logical call (reference client only)
	Exec    *ExecResult   // the external client's process (exec only)
	// Deliveries are the webhooks the upstream sent; Effects counts the
	// receiver's effects per event id (nil when they cannot be counted).
	Deliveries []journal.Delivery
	Effects    map[string]int
	// Handshakes are the TLS handshakes that failed (HTTPS upstreams).
	Handshakes []tlsfault.Handshake

	trust *trust // the HTTPS upstream's CA, given to the client
}

// CallResult is how one logical call of the reference client ended.
type CallResult struct {
	Method, Path string
	Start        time.Time
	Duration     time.Duration
	Status       int
	Err          error
	Attempts     int
	Fallback     bool
}

// ExecResult is how an external client's process ended.
type ExecResult struct {
	ExitCode int
	TimedOut bool
	Duration time.Duration
	Stdout   string // the last few KiB
	Stderr   string
	Err      error // could not start
}

// Group is one logical call as the upstream saw it: its attempts, in order.
type Group struct {
	Key     string
	Entries []journal.Entry
}

// Groups splits the journal into logical calls. Attempts belong together
// when they carry the same Idempotency-Key, else the same X-Request-Id, else
// the same method and path (a client that sends neither is judged as one
// caller per endpoint). Ids that cannot be call ids, because an endpoint
// shows more of them than the client was asked to make calls (a fresh id
// on every attempt), are ignored for that endpoint, so its retries stay
// visible.
func (o *Observation) Groups() []Group {
	asked := o.askedByEndpoint()
	ids := map[string]map[string]bool{} // endpoint -> distinct ids
	for _, e := range o.Journal {
		ep := e.Method + " " + e.Path
		if ids[ep] == nil {
			ids[ep] = map[string]bool{}
		}
		ids[ep][groupKey(e)] = true
	}
	idx := map[string]int{}
	var out []Group
	for _, e := range o.Journal {
		ep := e.Method + " " + e.Path
		k := groupKey(e)
		if n, ok := asked[ep]; ok && len(ids[ep]) > n {
			k = ep
		}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, Group{Key: k})
		}
		out[i].Entries = append(out[i].Entries, e)
	}
	return out
}

// askedByEndpoint counts the calls the client was asked to make per method
// and path.
func (o *Observation) askedByEndpoint() map[string]int {
	out := map[string]int{}
	for _, c := range o.Scenario.Client.Calls {
		path := c.Path
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		out[c.Method+" "+path] += c.Count
	}
	return out
}

func groupKey(e journal.Entry) string {
	switch {
	case e.IdempotencyKey != "":
		return "key:" + e.IdempotencyKey
	case e.RequestID != "":
		return "rid:" + e.RequestID
	}
	return e.Method + " " + e.Path
}

// AskedCalls is how many logical calls the client was asked to make, and
// how many of them used an unsafe method (POST, PATCH).
func (o *Observation) AskedCalls() (all, unsafe int) {
	for _, c := range o.Scenario.Client.Calls {
		all += c.Count
		if c.Method == http.MethodPost || c.Method == http.MethodPatch {
			unsafe += c.Count
		}
	}
	return all, unsafe
}

// Timeline renders a group's attempts with the waits between their starts.
func Timeline(g Group) []report.Step {
	steps := make([]report.Step, len(g.Entries))
	for i, e := range g.Entries {
		steps[i].Label, steps[i].Took = e.Label(), e.Duration
		if e.Complete() {
			steps[i].Status = e.Status
		}
		if due, _, ok := e.RetryAfter(); ok {
			steps[i].RetryAfter = max(0, due.Sub(e.EndTime()))
		}
		if i > 0 {
			steps[i].Wait = e.Time.Sub(g.Entries[i-1].Time)
		}
	}
	return steps
}

// Line renders a journal entry as one line of evidence.
func (o *Observation) Line(e journal.Entry) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%d +%s %s %s -> %s", e.Seq, fmtDur(e.Time.Sub(o.Start)), e.Method, e.Path, e.Label())
	if f := e.FaultNames(); f != "" {
		fmt.Fprintf(&b, " [%s]", f)
	}
	if e.IdempotencyKey != "" {
		fmt.Fprintf(&b, " key=%s", short(e.IdempotencyKey))
	}
	fmt.Fprintf(&b, " took %s", fmtDur(e.Duration))
	return b.String()
}

// Lines renders entries as evidence, at most limit of them.
func (o *Observation) Lines(es []journal.Entry, limit int) []string {
	var out []string
	for i, e := range es {
		if i == limit {
			out = append(out, "... "+english.Count(len(es)-limit, "more request"))
			break
		}
		out = append(out, o.Line(e))
	}
	return out
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12] + "…"
	}
	return s
}

func fmtDur(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(10 * time.Millisecond).String()
}

// percentile returns the p-th percentile (0-100) of ds by nearest rank:
// the smallest value with at least p% of ds at or below it.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := int(math.Ceil(p*float64(len(s))/100)) - 1 // p*n first: exact for whole p
	return s[min(max(rank, 0), len(s)-1)]
}

// breakerSpans are the stretches of g's timeline during which the
// reference client's breaker refused calls: from a call refused with
// resilience.ErrCircuitOpen to the next request the upstream saw (or the
// refused call's end when none followed); refusals in a row make one span.
// Offsets are from g's first entry.
func breakerSpans(o *Observation, g Group) []report.Span {
	if len(g.Entries) == 0 {
		return nil
	}
	var refused []CallResult
	for _, c := range o.Calls {
		if errors.Is(c.Err, resilience.ErrCircuitOpen) {
			refused = append(refused, c)
		}
	}
	sort.Slice(refused, func(i, j int) bool { return refused[i].Start.Before(refused[j].Start) })
	origin := g.Entries[0].Time
	var spans []report.Span
	for _, c := range refused {
		end := c.Start.Add(c.Duration)
		next := sort.Search(len(o.Journal), func(i int) bool { return o.Journal[i].Time.After(c.Start) })
		if next < len(o.Journal) {
			end = o.Journal[next].Time
		}
		start, stop := c.Start.Sub(origin), end.Sub(origin)
		if n := len(spans); n > 0 && start <= spans[n-1].End {
			spans[n-1].End = max(spans[n-1].End, stop)
			continue
		}
		spans = append(spans, report.Span{Label: "breaker open", Start: start, End: stop})
	}
	return spans
}
