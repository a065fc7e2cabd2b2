package scenarios

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/fault/journal"
	"github.com/faultline-dev/faultline/report"
)

// t0 is when every synthetic client starts.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// entryAt is one journal entry: a GET of /v1/orders arriving atMs after t0,
// answered with status in 5 ms; mods adjust it.
func entryAt(seq, atMs, status int, mods ...func(*journal.Entry)) journal.Entry {
	e := journal.Entry{Seq: uint64(seq), Time: t0.Add(ms(atMs)), Duration: ms(5), Method: http.MethodGet,
		Path: "/v1/orders", Status: status, End: journal.EndComplete}
	for _, m := range mods {
		m(&e)
	}
	return e
}

func asPost(e *journal.Entry)     { e.Method = http.MethodPost }
func withEffect(e *journal.Entry) { e.Effect = true }

func idemKey(k string) func(*journal.Entry) { return func(e *journal.Entry) { e.IdempotencyKey = k } }
func rid(id string) func(*journal.Entry)    { return func(e *journal.Entry) { e.RequestID = id } }
func took(d time.Duration) func(*journal.Entry) {
	return func(e *journal.Entry) { e.Duration = d }
}
func ended(end string) func(*journal.Entry) {
	return func(e *journal.Entry) { e.End, e.Status = end, 0 }
}

// retryAfter notes the Retry-After the upstream sent, as the status fault does.
func retryAfter(v string) func(*journal.Entry) {
	return func(e *journal.Entry) {
		e.Faults = append(e.Faults, journal.Applied{Type: "status", Params: map[string]string{"code": fmt.Sprint(e.Status), "retry_after": v}})
	}
}

// scen is a scenario asked to make calls, with the default timeout.
// noted records what a spec layer noted about the request.
func noted(op, violation string) func(*journal.Entry) {
	return func(e *journal.Entry) {
		e.Notes = map[string]string{"contract.operation": op}
		if violation != "" {
			e.Notes["contract.violation"] = violation
		}
	}
}

func scen(calls ...Call) *Scenario {
	return &Scenario{Name: "synthetic", Timeout: DefaultTimeout, Client: Client{Calls: calls}}
}

func gets(n int) Call {
	return Call{Method: http.MethodGet, Path: "/v1/orders", Count: n, Concurrency: 1}
}
func posts(n int) Call {
	return Call{Method: http.MethodPost, Path: "/v1/orders", Count: n, Concurrency: 1}
}

// observed is what the upstream saw of a reference client asked for calls.
func observed(sc *Scenario, entries ...journal.Entry) *Observation {
	return &Observation{Scenario: sc, Journal: entries, Start: t0, Elapsed: time.Second}
}

// refRun is a reference client's run: its call results and the journal.
func refRun(sc *Scenario, calls []CallResult, entries ...journal.Entry) *Observation {
	o := observed(sc, entries...)
	o.Calls = calls
	return o
}

// execd is an external client's run.
func execd(x ExecResult, entries ...journal.Entry) *Observation {
	o := observed(scen(gets(1)), entries...)
	o.Exec = &x
	o.Elapsed = x.Duration
	return o
}

func okCall(d time.Duration) CallResult {
	return CallResult{Method: http.MethodGet, Path: "/v1/orders", Start: t0, Duration: d, Status: 200, Attempts: 1}
}

func failedCall(d time.Duration, msg string) CallResult {
	return CallResult{Method: http.MethodGet, Path: "/v1/orders", Start: t0, Duration: d, Status: 503, Attempts: 3, Err: errors.New(msg)}
}

func fellBack(d time.Duration) CallResult {
	return CallResult{Method: http.MethodGet, Path: "/v1/orders", Start: t0, Duration: d, Status: 200, Attempts: 3, Fallback: true}
}

// callerAttempts builds one caller's attempts (keyed by X-Request-Id id) starting
// at startMs, each taking 5 ms, separated by gaps (from the end of one
// attempt to the start of the next), each answered with status.
func callerAttempts(seq *int, id string, startMs, status int, gapsMs ...int) []journal.Entry {
	var out []journal.Entry
	at := startMs
	for i := 0; i <= len(gapsMs); i++ {
		if i > 0 {
			at += 5 + gapsMs[i-1]
		}
		*seq++
		out = append(out, entryAt(*seq, at, status, rid(id)))
	}
	return out
}

// callers merges callers' attempts into one journal in arrival order.
func callers(groups ...[]journal.Entry) []journal.Entry {
	var out []journal.Entry
	for _, g := range groups {
		out = append(out, g...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

// spaced is n GETs arriving every everyMs, each taking tookMs.
func spaced(n, everyMs, tookMs int) []journal.Entry {
	var out []journal.Entry
	for i := 0; i < n; i++ {
		out = append(out, entryAt(i+1, i*everyMs, 200, took(ms(tookMs)), rid(fmt.Sprint("r", i))))
	}
	return out
}

// latencies is one single-attempt call per duration.
func latencies(ds ...int) []journal.Entry {
	var out []journal.Entry
	for i, d := range ds {
		out = append(out, entryAt(i+1, i*1000, 200, took(ms(d)), rid(fmt.Sprint("r", i))))
	}
	return out
}

func seqd(es ...journal.Entry) []journal.Entry {
	for i := range es {
		es[i].Seq = uint64(i + 1)
	}
	return es
}

// checkYAML wraps one check item in an otherwise valid scenario; the check
// starts at line 10, column 5.
func checkYAML(check string) string {
	return "version: 1\nname: c\nupstream:\n  routes:\n    - path: /v1/orders\nclient:\n  calls:\n    - {path: /v1/orders}\n" +
		"checks:\n  - " + check + "\n"
}

// loadCheck decodes a check the way a scenario file does.
func loadCheck(t *testing.T, check string) Check {
	t.Helper()
	sc, err := Load("check.yaml", []byte(checkYAML(check)))
	require.NoError(t, err, check)
	require.Len(t, sc.Checks, 1)
	return sc.Checks[0]
}

type checkCase struct {
	name  string
	check string // the check item as written in a scenario file
	obs   func() *Observation
	want  report.Status
	says  string // text the verdict must contain (expected, observed, message or evidence)
}

var checkCases = []checkCase{
	// outcome, reference client
	{"outcome success: every call succeeded", "outcome: success",
		func() *Observation { return refRun(scen(gets(2)), []CallResult{okCall(ms(20)), okCall(ms(30))}) }, report.Passed, "2 of 2 calls as expected"},
	{"outcome success: one call gave up", "outcome: success",
		func() *Observation {
			return refRun(scen(gets(2)), []CallResult{okCall(ms(20)), failedCall(ms(80), "503 Service Unavailable after 3 attempts")})
		}, report.Failed, "call 2 GET /v1/orders: failed: 503 Service Unavailable after 3 attempts"},
	{"outcome success: a fallback is not a success", "outcome: success",
		func() *Observation { return refRun(scen(gets(1)), []CallResult{fellBack(ms(20))}) }, report.Failed, "served by the fallback"},
	{"outcome failure: a clear error", "outcome: {expect: failure, within: 2s}",
		func() *Observation { return refRun(scen(gets(1)), []CallResult{failedCall(ms(900), "read timeout")}) }, report.Passed, "failure within 2s"},
	{"outcome failure: succeeded where an error was due", "outcome: failure",
		func() *Observation { return refRun(scen(gets(1)), []CallResult{okCall(ms(20))}) }, report.Failed, "succeeded where a clear error was expected"},
	{"outcome failure: the error came too late", "outcome: {expect: failure, within: 2s}",
		func() *Observation {
			return refRun(scen(gets(1)), []CallResult{failedCall(5*time.Second, "read timeout")})
		}, report.Failed, "took 5s, over 2s"},
	{"outcome no_hang: bounded by the scenario timeout", "outcome: no_hang",
		func() *Observation {
			return refRun(scen(gets(2)), []CallResult{failedCall(time.Second, "x"), failedCall(DefaultTimeout+time.Second, "context deadline exceeded")})
		}, report.Failed, "took 31s, over 30s"},
	{"outcome handled: a marked fallback is handled", "outcome: handled",
		func() *Observation { return refRun(scen(gets(2)), []CallResult{okCall(ms(20)), fellBack(ms(40))}) }, report.Passed, "2 of 2 calls as expected"},
	{"outcome handled: an error is not", "outcome: handled",
		func() *Observation {
			return refRun(scen(gets(2)), []CallResult{fellBack(ms(40)), failedCall(ms(80), "503 Service Unavailable after 3 attempts")})
		}, report.Failed, "call 2 GET /v1/orders: failed: 503 Service Unavailable"},
	{"outcome: no call made is nothing to judge", "outcome: success",
		func() *Observation { return refRun(scen(gets(1)), nil) }, report.Failed, "0 of 0 calls"},
	// outcome, external client
	{"outcome exec success: exit 0", "outcome: success",
		func() *Observation { return execd(ExecResult{ExitCode: 0, Duration: ms(300)}) }, report.Passed, "exit 0 after 300ms"},
	{"outcome exec success: gave up", "outcome: success",
		func() *Observation {
			return execd(ExecResult{ExitCode: 2, Duration: ms(300), Stderr: "retrying\ngave up: 503 after 3 attempts\n"})
		}, report.Failed, "stderr: retrying | gave up: 503 after 3 attempts"},
	{"outcome exec failure: exit 1 in time", "outcome: {expect: failure, within: 1s}",
		func() *Observation { return execd(ExecResult{ExitCode: 1, Duration: ms(400)}) }, report.Passed, "exit 1"},
	{"outcome exec no_hang: killed by the timeout", "outcome: no_hang",
		func() *Observation { return execd(ExecResult{ExitCode: -1, TimedOut: true, Duration: DefaultTimeout}) }, report.Failed, "it hung"},

	// attempts
	{"attempts exact: every call retried twice", "attempts: {exact: 3}",
		func() *Observation {
			n := 0
			return observed(scen(gets(2)), callers(callerAttempts(&n, "a", 0, 503, 20, 40), callerAttempts(&n, "b", 3, 503, 25, 45))...)
		}, report.Passed, "3, 3 across 2 calls"},
	{"attempts exact: one call never retried", "attempts: {exact: 3}",
		func() *Observation {
			n := 0
			return observed(scen(gets(2)), callers(callerAttempts(&n, "a", 0, 503, 20, 40), callerAttempts(&n, "b", 3, 503))...)
		}, report.Failed, "3, 1 across 2 calls"},
	{"attempts max: a retry storm", "attempts: {max: 3}",
		func() *Observation {
			n := 0
			return observed(scen(gets(1)), callerAttempts(&n, "a", 0, 503, 1, 1, 1, 1, 1)...)
		},
		report.Failed, "at most 3 per call"},
	{"attempts scalar: a single attempt", "attempts: 1",
		func() *Observation { return observed(scen(gets(1)), entryAt(1, 0, 200)) }, report.Passed, "exactly 1 per call"},
	{"attempts min: too few", "attempts: {min: 2}",
		func() *Observation { return observed(scen(gets(1)), entryAt(1, 0, 503)) }, report.Failed, "at least 2 per call"},
	{"attempts: no request is nothing to judge", "attempts: {max: 3}",
		func() *Observation { return observed(scen(gets(1))) }, report.Failed, "no request reached the upstream"},

	// no_retry_on
	{"no_retry_on: a 404 ends the call", "no_retry_on: [400, 404]",
		func() *Observation {
			return observed(scen(gets(2)), entryAt(1, 0, 404, rid("a")), entryAt(2, 10, 404, rid("b")))
		}, report.Passed, "0 of 2 such responses retried"},
	{"no_retry_on: a 503 may be retried, then a 404 ends it", "no_retry_on: [404]",
		func() *Observation {
			return observed(scen(gets(1)), entryAt(1, 0, 503, rid("a")), entryAt(2, 50, 404, rid("a")))
		}, report.Passed, "0 of 1"},
	{"no_retry_on: three retries of a 404", "no_retry_on: [404]",
		func() *Observation {
			n := 0
			return observed(scen(gets(1)), callerAttempts(&n, "a", 0, 404, 20, 40, 80)...)
		},
		report.Failed, "3 of 4 such responses retried"},
	{"no_retry_on: the status never came is nothing to judge", "no_retry_on: [404]",
		func() *Observation { return observed(scen(gets(1)), entryAt(1, 0, 200)) }, report.Skipped, "never sent one of these statuses"},
	{"no_retry_on: no request at all", "no_retry_on: [404]",
		func() *Observation { return observed(scen(gets(1))) }, report.Failed, "no request reached the upstream"},

	// retry_after_honoured
	{"retry_after_honoured: waited the second", "retry_after_honoured:",
		func() *Observation {
			return observed(scen(gets(1)), entryAt(1, 0, 429, rid("a"), retryAfter("1")), entryAt(2, 1010, 200, rid("a")))
		}, report.Passed, "0 of 1 retry came early"},
	{"retry_after_honoured: retried at once after Retry-After: 1", "retry_after_honoured:",
		func() *Observation {
			return observed(scen(gets(1)), entryAt(1, 0, 429, rid("a"), retryAfter("1")), entryAt(2, 15, 200, rid("a")))
		}, report.Failed, "retried 990ms before the instant Retry-After 1s allowed"},
	{"retry_after_honoured: within the default tolerance", "retry_after_honoured",
		func() *Observation {
			return observed(scen(gets(1)), entryAt(1, 0, 429, rid("a"), retryAfter("1")), entryAt(2, 965, 200, rid("a")))
		}, report.Passed, "0 of 1"},
	{"retry_after_honoured: outside a tighter tolerance", "retry_after_honoured: {tolerance: 10ms}",
		func() *Observation {
			return observed(scen(gets(1)), entryAt(1, 0, 429, rid("a"), retryAfter("1")), entryAt(2, 965, 200, rid("a")))
		}, report.Failed, "retried 40ms before the instant Retry-After 1s allowed"},
	{"retry_after_honoured: an HTTP date honoured from the client's own clock", "retry_after_honoured:",
		func() *Observation {
			// sent at 0.5s as the instant t0+2s: a client that waits until
			// then by its own clock (urllib3, go-retryablehttp) arrives just
			// after it, whatever the fraction of the second the run began in
			date := t0.Add(2 * time.Second).Format(http.TimeFormat)
			return observed(scen(gets(1)), entryAt(1, 500, 429, rid("a"), retryAfter(date)), entryAt(2, 2001, 200, rid("a")))
		}, report.Passed, "0 of 1"},
	{"retry_after_honoured: an HTTP date measured from the Date header", "retry_after_honoured:",
		func() *Observation {
			// Date: t0 (whole seconds), so this client waits the full 2s
			// from when it read the response: later than the instant
			date := t0.Add(2 * time.Second).Format(http.TimeFormat)
			return observed(scen(gets(1)), entryAt(1, 500, 429, rid("a"), retryAfter(date)), entryAt(2, 2510, 200, rid("a")))
		}, report.Passed, "0 of 1"},
	{"retry_after_honoured: an HTTP date ignored", "retry_after_honoured:",
		func() *Observation {
			date := t0.Add(2 * time.Second).Format(http.TimeFormat)
			return observed(scen(gets(1)), entryAt(1, 500, 503, rid("a"), retryAfter(date)), entryAt(2, 700, 200, rid("a")))
		}, report.Failed, "retried 1.3s before the instant Retry-After 03:04:07 allowed"},
	{"retry_after_honoured: an HTTP date read as seconds from the response", "retry_after_honoured:",
		func() *Observation {
			// a client that takes the date's distance from the Date second
			// (1.5s at 0.5s) but counts it from its own later clock is fine;
			// one that waits a second short of the instant is not
			date := t0.Add(2 * time.Second).Format(http.TimeFormat)
			return observed(scen(gets(1)), entryAt(1, 500, 429, rid("a"), retryAfter(date)), entryAt(2, 1900, 200, rid("a")))
		}, report.Failed, "retried 100ms before"},
	{"retry_after_honoured: no Retry-After ever sent is nothing to judge", "retry_after_honoured:",
		func() *Observation {
			// a client that stayed under the limit (it followed the quota
			// headers) never met the 429: it did nothing wrong
			return observed(scen(gets(1)), entryAt(1, 0, 200, rid("a")))
		},
		report.Skipped, "the upstream never sent a Retry-After with a time or date"},
	{"retry_after_honoured: garbage Retry-After is not judged", "retry_after_honoured:",
		func() *Observation {
			return observed(scen(gets(1)), entryAt(1, 0, 429, rid("a"), retryAfter("soon-ish")), entryAt(2, 20, 200, rid("a")))
		}, report.Skipped, "nothing was judged"},
	{"retry_after_honoured: never retried after it", "retry_after_honoured:",
		func() *Observation { return observed(scen(gets(1)), entryAt(1, 0, 429, rid("a"), retryAfter("1"))) },
		report.Failed, "the client never retried after any of the 1 response with a Retry-After"},
	{"retry_after_honoured: no request at all", "retry_after_honoured:",
		func() *Observation { return observed(scen(gets(1))) }, report.Failed, "no request reached the upstream"},

	// backoff (TestBackoffUnderSchedulerNoise judges it on noisy herds)
	{"backoff: growing, jittered waits across callers", "backoff: {min: 10ms}",
		func() *Observation {
			r := rand.New(rand.NewPCG(1, 2))
			return observed(scen(gets(16)), herd(r, equalJitter, 50*time.Millisecond, 16, 3)...)
		}, report.Passed, "median wait by retry"},
	{"backoff: callers in lockstep with identical gaps", "backoff: {min: 10ms}",
		func() *Observation {
			r := rand.New(rand.NewPCG(1, 2))
			return observed(scen(gets(16)), herd(r, lockstepExp, 50*time.Millisecond, 16, 3)...)
		}, report.Failed, "callers retried in lockstep"},
	{"backoff: lockstep is accepted with jitter: false", "backoff: {min: 10ms, jitter: false}",
		func() *Observation {
			r := rand.New(rand.NewPCG(1, 2))
			return observed(scen(gets(16)), herd(r, lockstepExp, 50*time.Millisecond, 16, 3)...)
		}, report.Passed, "median wait by retry"},
	{"backoff: constant gaps do not grow", "backoff: {min: 10ms, jitter: false}",
		func() *Observation {
			r := rand.New(rand.NewPCG(1, 2))
			return observed(scen(gets(16)), herd(r, fixedDelay, 50*time.Millisecond, 16, 3)...)
		},
		report.Failed, "waits do not grow"},
	{"backoff: constant gaps accepted with growth: false", "backoff: {min: 10ms, jitter: false, growth: false}",
		func() *Observation {
			n := 0
			return observed(scen(gets(1)), callerAttempts(&n, "a", 0, 503, 20, 20, 20)...)
		},
		report.Passed, "median wait by retry: 20ms (1), 20ms (1), 20ms (1)"},
	{"backoff: immediate retries", "backoff: {min: 10ms}",
		func() *Observation {
			n := 0
			return observed(scen(gets(1)), callerAttempts(&n, "a", 0, 503, 1, 2, 30)...)
		},
		report.Failed, "retries come too soon: the median wait is 2ms"},
	{"backoff: no retry is fine when not required", "backoff: {min: 10ms, required: false}",
		func() *Observation { return observed(scen(gets(1)), entryAt(1, 0, 503, rid("a"))) },
		report.Passed, "the client did not retry"},
	{"backoff: retries are judged when not required", "backoff: {min: 10ms, required: false}",
		func() *Observation {
			n := 0
			return observed(scen(gets(1)), callerAttempts(&n, "a", 0, 503, 0, 1, 0)...)
		},
		report.Failed, "retries come too soon"},
	{"backoff: no retry is nothing to judge", "backoff: {min: 10ms}",
		func() *Observation { return observed(scen(gets(1)), entryAt(1, 0, 503, rid("a"))) },
		report.Failed, "the client never retried"},

	// requests_conform
	{"requests_conform: every request valid for its operation", "requests_conform",
		func() *Observation {
			return observed(scen(posts(1)), entryAt(1, 0, 201, asPost, noted("POST /v1/orders (createOrder)", "")))
		},
		report.Passed, "0 of 1 request broke the contract"},
	{"requests_conform: a body field of the wrong type", "requests_conform",
		func() *Observation {
			return observed(scen(posts(1)), entryAt(1, 0, 400, asPost, noted("POST /v1/orders (createOrder)", "body amount: got string, want integer")))
		}, report.Failed, "(POST /v1/orders (createOrder)): body amount: got string, want integer"},
	{"requests_conform: no spec judged anything", "requests_conform",
		func() *Observation { return observed(scen(posts(1)), entryAt(1, 0, 201, asPost)) },
		report.Failed, "give the scenario upstream.spec"},

	// idempotency_key_stable
	{"idempotency_key_stable: one key per call, kept on retry", "idempotency_key_stable:",
		func() *Observation {
			return observed(scen(posts(2)), seqd(entryAt(0, 0, 503, asPost, idemKey("k1")), entryAt(0, 50, 201, asPost, idemKey("k1")), entryAt(0, 60, 201, asPost, idemKey("k2")),
				entryAt(0, 70, 200))...) // a GET needs no key
		}, report.Passed, "2 distinct keys over 3 attempts, 0 without a key"},
	{"idempotency_key_stable: a new key per attempt", "idempotency_key_stable",
		func() *Observation {
			return observed(scen(posts(1)), seqd(entryAt(0, 0, 503, asPost, idemKey("k1")), entryAt(0, 50, 201, asPost, idemKey("k1-retry")))...)
		}, report.Failed, "keys change between attempts of one call"},
	{"idempotency_key_stable: key missing", "idempotency_key_stable:",
		func() *Observation { return observed(scen(posts(1)), entryAt(1, 0, 201, asPost)) },
		report.Failed, "attempts without an Idempotency-Key cannot be deduplicated"},
	{"idempotency_key_stable: two calls share a key", "idempotency_key_stable:",
		func() *Observation {
			return observed(scen(posts(2)), seqd(entryAt(0, 0, 201, asPost, idemKey("k1")), entryAt(0, 50, 201, asPost, idemKey("k1")))...)
		}, report.Failed, "calls share a key"},
	{"idempotency_key_stable: no POST is nothing to judge", "idempotency_key_stable:",
		func() *Observation { return observed(scen(posts(1)), entryAt(1, 0, 200)) },
		report.Failed, "no POST or PATCH reached the upstream, so nothing was judged"},

	// no_duplicate_effects
	{"no_duplicate_effects: a retry after a failure", "no_duplicate_effects:",
		func() *Observation {
			return observed(scen(posts(1)), seqd(entryAt(0, 0, 503, asPost, idemKey("k1")), entryAt(0, 50, 201, asPost, idemKey("k1"), withEffect))...)
		}, report.Passed, "1 effect"},
	{"no_duplicate_effects: the provider dedupes a repeated key", "no_duplicate_effects:",
		func() *Observation {
			return observed(scen(posts(1)), seqd(entryAt(0, 0, 0, asPost, idemKey("k1"), withEffect, ended(journal.EndReset)), entryAt(0, 50, 201, asPost, idemKey("k1"), withEffect))...)
		}, report.Passed, "1 effect"},
	{"no_duplicate_effects: two effects for one call under new keys", "no_duplicate_effects:",
		func() *Observation {
			return observed(scen(posts(1)), seqd(entryAt(0, 0, 0, asPost, idemKey("k1"), withEffect, ended(journal.EndReset)), entryAt(0, 50, 201, asPost, idemKey("k2"), withEffect))...)
		}, report.Failed, "the upstream did the work more than once"},
	{"no_duplicate_effects: two effects for one call without a key", "no_duplicate_effects:",
		func() *Observation {
			return observed(scen(posts(1)), seqd(entryAt(0, 0, 0, asPost, withEffect, ended(journal.EndReset)), entryAt(0, 50, 201, asPost, withEffect))...)
		}, report.Failed, "2 effects"},
	{"no_duplicate_effects: a keyless retry after a lost answer, while other calls failed", "no_duplicate_effects:",
		func() *Observation {
			return observed(scen(posts(4)), seqd(entryAt(0, 0, 0, asPost, rid("c1"), withEffect, ended(journal.EndReset)), entryAt(0, 50, 201, asPost, rid("c1"), withEffect),
				entryAt(0, 60, 503, asPost, rid("c2")), entryAt(0, 70, 503, asPost, rid("c3")), entryAt(0, 80, 0, asPost, rid("c4"), ended(journal.EndReset)))...)
		}, report.Failed, "its answer was lost: reset"},
	{"no_duplicate_effects: a stable key per call, while other calls failed", "no_duplicate_effects:",
		func() *Observation {
			return observed(scen(posts(3)), seqd(entryAt(0, 0, 0, asPost, rid("c1"), idemKey("k1"), withEffect, ended(journal.EndReset)), entryAt(0, 50, 201, asPost, rid("c1"), idemKey("k1"), withEffect),
				entryAt(0, 60, 503, asPost, rid("c2"), idemKey("k2")), entryAt(0, 70, 201, asPost, rid("c3"), idemKey("k3"), withEffect))...)
		}, report.Passed, "2 effects, 0 calls with more than one"},
	{"no_duplicate_effects: a new key per attempt of one call, while another call failed", "no_duplicate_effects:",
		func() *Observation {
			return observed(scen(posts(2)), seqd(entryAt(0, 0, 0, asPost, rid("c1"), idemKey("k1"), withEffect, ended(journal.EndReset)), entryAt(0, 50, 201, asPost, rid("c1"), idemKey("k1b"), withEffect),
				entryAt(0, 60, 503, asPost, rid("c2"), idemKey("k2")))...)
		}, report.Failed, "did the work of one call more than once"},
	{"no_duplicate_effects: keyed only, no request id", "no_duplicate_effects:",
		func() *Observation {
			return observed(scen(posts(2)), seqd(entryAt(0, 0, 0, asPost, idemKey("k1"), withEffect, ended(journal.EndReset)), entryAt(0, 50, 201, asPost, idemKey("k1"), withEffect),
				entryAt(0, 60, 503, asPost, idemKey("k2")))...)
		}, report.Passed, "1 effect,"},
	{"no_duplicate_effects: a fresh request id per attempt is no call id, so it is judged by count", "no_duplicate_effects:",
		func() *Observation {
			return observed(scen(posts(1)), seqd(entryAt(0, 0, 0, asPost, rid("a1"), withEffect, ended(journal.EndReset)), entryAt(0, 50, 201, asPost, rid("a2"), withEffect))...)
		}, report.Failed, "judged by count only"},
	{"no_duplicate_effects: no ids at all, one effect per call, is judged by count and passes", "no_duplicate_effects:",
		func() *Observation {
			return observed(scen(posts(2)), seqd(entryAt(0, 0, 0, asPost, withEffect, ended(journal.EndReset)), entryAt(0, 50, 201, asPost, withEffect))...)
		}, report.Passed, "judged by count only"},
	{"no_duplicate_effects: reads beside a write are not duplicates", "no_duplicate_effects:",
		func() *Observation {
			return observed(scen(gets(1), posts(1)), seqd(entryAt(0, 0, 200, withEffect), entryAt(0, 50, 201, asPost, idemKey("k1"), withEffect))...)
		}, report.Passed, "at most 1 effect"},
	{"no_duplicate_effects: no request is nothing to judge", "no_duplicate_effects:",
		func() *Observation { return observed(scen(posts(1))) }, report.Failed, "nothing was judged"},

	// timeout_respected
	{"timeout_respected: gave up in time", "timeout_respected: {within: 2s}",
		func() *Observation {
			return refRun(scen(gets(1)), []CallResult{failedCall(1200*time.Millisecond, "read timeout")})
		},
		report.Passed, "slowest call 1.2s"},
	{"timeout_respected: waited on the hang", "timeout_respected: 2s",
		func() *Observation {
			return refRun(scen(gets(2)), []CallResult{failedCall(ms(100), "x"), failedCall(5*time.Second, "read timeout")})
		}, report.Failed, "call 2 took 5s"},
	{"timeout_respected: no call is nothing to judge", "timeout_respected: 2s",
		func() *Observation { return refRun(scen(gets(1)), nil) }, report.Failed, "slowest call 0s"},
	{"timeout_respected exec: exited in time", "timeout_respected: 2s",
		func() *Observation { return execd(ExecResult{ExitCode: 1, Duration: time.Second}) }, report.Passed, "exit 1 after 1s"},
	{"timeout_respected exec: hang killed by the timeout", "timeout_respected: 2s",
		func() *Observation { return execd(ExecResult{ExitCode: -1, TimedOut: true, Duration: ms(1500)}) },
		report.Failed, "the client was still waiting when the scenario's time ran out"},
	{"timeout_respected exec: exit 0 on a hanging upstream is not giving up", "timeout_respected: 2s",
		func() *Observation { return execd(ExecResult{ExitCode: 0, Duration: time.Second}) },
		report.Failed, "it exited 0, reporting success"},
	{"timeout_respected exec: exited too late", "timeout_respected: 2s",
		func() *Observation { return execd(ExecResult{ExitCode: 1, Duration: 3 * time.Second}) }, report.Failed, "exit 1 after 3s"},

	// max_duration
	{"max_duration: finished in time", "max_duration: 1s",
		func() *Observation {
			o := refRun(scen(gets(1)), []CallResult{okCall(ms(5))})
			o.Elapsed = ms(500)
			return o
		},
		report.Passed, "took 500ms"},
	{"max_duration: too slow", "max_duration: {within: 1s}",
		func() *Observation {
			o := refRun(scen(gets(1)), []CallResult{okCall(ms(5))})
			o.Elapsed = ms(1500)
			return o
		},
		report.Failed, "took 1.5s"},
	{"max_duration exec: a killed client never passes", "max_duration: 1s",
		func() *Observation { return execd(ExecResult{ExitCode: -1, TimedOut: true, Duration: ms(300)}) },
		report.Failed, "within 1s"},

	// latency
	{"latency: fast calls", "latency: {p50: 20ms, p95: 100ms}",
		func() *Observation { return observed(scen(gets(5)), latencies(10, 12, 9, 15, 11)...) }, report.Passed, "p50 11ms p95 15ms"},
	{"latency: a slow tail", "latency: {p95: 100ms}",
		func() *Observation {
			return observed(scen(gets(20)), latencies(10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 500, 500)...)
		}, report.Failed, "p95 500ms"},
	{"latency: p95 of 11 calls is the slowest", "latency: {p95: 100ms}",
		func() *Observation {
			return observed(scen(gets(11)), latencies(10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 900)...)
		},
		report.Failed, "p95 900ms"},
	{"latency: p50 of 4 calls is the second", "latency: {p50: 20ms}",
		func() *Observation { return observed(scen(gets(4)), latencies(40, 10, 30, 20)...) }, report.Passed, "p50 20ms"},
	{"latency: spans every attempt of a call", "latency: {p50: 100ms}",
		func() *Observation {
			n := 0
			return observed(scen(gets(1)), callerAttempts(&n, "a", 0, 503, 100, 190)...)
		},
		report.Failed, "p50 305ms"},
	{"latency: no request is nothing to judge", "latency: {p99: 1s}",
		func() *Observation { return observed(scen(gets(1))) }, report.Failed, "no request reached the upstream"},

	// rate_below
	{"rate_below: paced requests", "rate_below: {rps: 5}",
		func() *Observation { return observed(scen(gets(10)), spaced(10, 250, 5)...) }, report.Passed, "4 requests in the busiest 1s"},
	{"rate_below: a window's end is not in it", "rate_below: {rps: 5}",
		func() *Observation { return observed(scen(gets(6)), spaced(6, 200, 5)...) }, report.Passed, "5 requests in the busiest 1s"},
	{"rate_below: a burst", "rate_below: {rps: 5}",
		func() *Observation { return observed(scen(gets(10)), spaced(10, 50, 5)...) }, report.Failed, "10 requests in the busiest 1s"},
	{"rate_below: a burst in a shorter window", "rate_below: {rps: 10, window: 200ms}",
		func() *Observation { return observed(scen(gets(4)), spaced(4, 20, 5)...) }, report.Failed, "at most 2 requests in any 200ms"},
	{"rate_below: no request is nothing to judge", "rate_below: {rps: 5}",
		func() *Observation { return observed(scen(gets(1))) }, report.Failed, "0 requests"},

	// concurrency_below
	{"concurrency_below: two at once", "concurrency_below: 2",
		func() *Observation {
			return observed(scen(gets(4)), seqd(entryAt(0, 0, 200, took(ms(100))), entryAt(0, 10, 200, took(ms(100))),
				entryAt(0, 150, 200, took(ms(100))), entryAt(0, 160, 200, took(ms(100))))...)
		}, report.Passed, "peak 2 in flight"},
	{"concurrency_below: back to back is one at a time", "concurrency_below: {max: 1}",
		func() *Observation { return observed(scen(gets(3)), spaced(3, 100, 100)...) }, report.Passed, "peak 1 in flight"},
	{"concurrency_below: three at once", "concurrency_below: 2",
		func() *Observation {
			return observed(scen(gets(3)), seqd(entryAt(0, 0, 200, took(ms(100))), entryAt(0, 10, 200, took(ms(100))), entryAt(0, 20, 200, took(ms(100))))...)
		}, report.Failed, "peak 3 in flight"},
	{"concurrency_below: no request is nothing to judge", "concurrency_below: 2",
		func() *Observation { return observed(scen(gets(1))) }, report.Failed, "peak 0"},

	// amplification_below
	{"amplification_below: a few retries", "amplification_below: 1.5",
		func() *Observation { return observed(scen(gets(4)), spaced(5, 10, 5)...) }, report.Passed, "1.25x (5 requests for 4 calls)"},
	{"amplification_below: a retry storm", "amplification_below: {ratio: 1.5}",
		func() *Observation { return observed(scen(gets(4)), spaced(12, 10, 5)...) }, report.Failed, "3.00x (12 requests for 4 calls)"},
	{"amplification_below: no request is nothing to judge", "amplification_below: 2",
		func() *Observation { return observed(scen(gets(4))) }, report.Failed, "0 requests"},

	// goodput
	{"goodput: three of four calls succeeded", "goodput: 0.75",
		func() *Observation {
			return refRun(scen(gets(4)), []CallResult{okCall(ms(20)), okCall(ms(30)), okCall(ms(20)), failedCall(ms(80), "circuit open")})
		}, report.Passed, "75.0% (3 of 4)"},
	{"goodput: a fallback is not a success", "goodput: {min: 0.9}",
		func() *Observation {
			return refRun(scen(gets(4)), []CallResult{okCall(ms(20)), okCall(ms(30)), fellBack(ms(20)), failedCall(ms(80), "budget exhausted")})
		}, report.Failed, "50.0% (2 of 4)"},

	// circuit_opens
	{"circuit_opens: opens, fails calls fast, probes, recovers", "circuit_opens: {after: 3}",
		func() *Observation {
			calls := []CallResult{failedCall(ms(5), "503"), failedCall(ms(5), "503"), failedCall(ms(5), "503")}
			for range 4 {
				calls = append(calls, failedCall(0, "circuit open"))
			}
			calls = append(calls, failedCall(ms(5), "503"))
			for range 4 {
				calls = append(calls, failedCall(0, "circuit open"))
			}
			for range 4 {
				calls = append(calls, okCall(ms(5)))
			}
			return refRun(scen(gets(16)), calls, seqd(entryAt(0, 0, 503), entryAt(0, 10, 503), entryAt(0, 20, 503),
				entryAt(0, 300, 503), entryAt(0, 600, 200), entryAt(0, 610, 200), entryAt(0, 620, 200), entryAt(0, 630, 200))...)
		}, report.Passed, "8 requests for 16 calls (8 held back), 4 failed, recovered: true"},
	{"circuit_opens: no breaker calls the upstream every time", "circuit_opens: {after: 3}",
		func() *Observation {
			var j []journal.Entry
			for i := range 12 {
				j = append(j, entryAt(i+1, i*10, 503))
			}
			for i := 12; i < 16; i++ {
				j = append(j, entryAt(i+1, 600+i*10, 200))
			}
			return observed(scen(gets(16)), j...)
		}, report.Failed, "no breaker held calls back: the upstream saw 16 requests for 16 calls (12 failed)"},
	{"circuit_opens: one caller sleeping between retries is no breaker", "circuit_opens: {after: 3}",
		func() *Observation {
			// a long pause looks like an open breaker, but every call still
			// reached the upstream, retries and all
			var j []journal.Entry
			for i := range 8 {
				j = append(j, entryAt(0, i*400, 503), entryAt(0, i*400+300, 503))
			}
			for i := range 8 {
				j = append(j, entryAt(0, 4000+i*10, 200))
			}
			return observed(scen(gets(16)), seqd(j...)...)
		}, report.Failed, "the upstream saw 24 requests for 16 calls"},
	{"circuit_opens: connection failures count, and no recovery", "circuit_opens: {after: 2}",
		func() *Observation {
			return observed(scen(gets(10)), seqd(entryAt(0, 0, 0, ended(journal.EndReset)), entryAt(0, 10, 0, ended(journal.EndReset)),
				entryAt(0, 500, 0, ended(journal.EndReset)))...)
		}, report.Failed, "the calls did not recover after the outage"},
	{"circuit_opens: a killed client held nothing back", "circuit_opens: {after: 2}",
		func() *Observation {
			o := execd(ExecResult{ExitCode: -1, TimedOut: true}, seqd(entryAt(0, 0, 503), entryAt(0, 10, 503), entryAt(0, 500, 200))...)
			o.Scenario = scen(gets(10))
			return o
		}, report.Failed, "killed at the scenario's timeout"},
	{"circuit_opens: too few calls to tell", "circuit_opens: {after: 3}",
		func() *Observation {
			return observed(scen(gets(4)), seqd(entryAt(0, 0, 503), entryAt(0, 10, 503), entryAt(0, 20, 503), entryAt(0, 600, 200))...)
		}, report.Failed, "the scenario asks only 4 calls, too few"},
	{"circuit_opens: no failure is nothing to judge", "circuit_opens: {after: 3}",
		func() *Observation { return observed(scen(gets(12)), spaced(12, 10, 5)...) },
		report.Skipped, "the upstream never failed a request"},
	{"circuit_opens: no request at all", "circuit_opens: {after: 3}",
		func() *Observation { return observed(scen(gets(12))) }, report.Failed, "no request reached the upstream"},

	// fallback_used
	{"fallback_used: failed calls served by the fallback", "fallback_used",
		func() *Observation {
			return refRun(scen(gets(3)), []CallResult{okCall(ms(5)), fellBack(ms(30)), fellBack(ms(30))})
		},
		report.Passed, "2 of 3 calls served by the fallback, 0 errors"},
	{"fallback_used: an error instead of the fallback", "fallback_used:",
		func() *Observation {
			return refRun(scen(gets(2)), []CallResult{fellBack(ms(30)), failedCall(ms(30), "503")})
		},
		report.Failed, "1 of 2 calls served by the fallback, 1 error"},
	{"fallback_used: the fallback never used", "fallback_used:",
		func() *Observation { return refRun(scen(gets(1)), []CallResult{failedCall(ms(30), "503")}) }, report.Failed, "0 of 1"},
	{"fallback_used: not visible for an external client", "fallback_used:",
		func() *Observation { return execd(ExecResult{ExitCode: 0, Duration: ms(30)}) }, report.Skipped, "not visible to faultline"},

	// error_mentions
	{"error_mentions: the field is named", "error_mentions: amount",
		func() *Observation {
			return refRun(scen(gets(1)), []CallResult{failedCall(ms(5), "decode order: field amount: expected a number, got string")})
		}, report.Passed, "field amount"},
	{"error_mentions: a vague error", "error_mentions: amount",
		func() *Observation { return refRun(scen(gets(1)), []CallResult{failedCall(ms(5), "bad response")}) },
		report.Failed, "bad response"},
	{"error_mentions: no call failed", "error_mentions: amount",
		func() *Observation { return refRun(scen(gets(1)), []CallResult{okCall(ms(5))}) }, report.Failed, "no call failed"},
	{"error_mentions exec: stderr names it", "error_mentions: amount",
		func() *Observation {
			return execd(ExecResult{ExitCode: 1, Duration: ms(50), Stderr: "error: response field amount is a string\n"})
		}, report.Passed, "exit 1"},
	{"error_mentions exec: exit 0 is no error", "error_mentions: amount",
		func() *Observation { return execd(ExecResult{ExitCode: 0, Duration: ms(50), Stdout: "amount: 12\n"}) },
		report.Failed, "exit 0"},
	{"error_mentions exec: Node's ECONNRESET is a reset", "error_mentions: reset",
		func() *Observation {
			return execd(ExecResult{ExitCode: 1, Duration: ms(50), Stderr: "TypeError: fetch failed\n  [cause]: Error: read ECONNRESET\n"})
		}, report.Passed, "exit 1"},
	{"error_mentions exec: curl's Retry-After in any case", "error_mentions: retry-after",
		func() *Observation {
			return execd(ExecResult{ExitCode: 1, Duration: ms(50), Stderr: "client: server asked to wait (Retry-After: 86400), beyond the deadline\n"})
		}, report.Passed, "exit 1"},
	{"error_mentions exec: Python's JSONDecodeError on an empty body", "error_mentions: empty",
		func() *Observation {
			return execd(ExecResult{ExitCode: 1, Duration: ms(50), Stderr: "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)\n"})
		}, report.Passed, "exit 1"},
	{"error_mentions exec: Node's parser on a cut body", "error_mentions: JSON",
		func() *Observation {
			return execd(ExecResult{ExitCode: 1, Duration: ms(50), Stderr: "SyntaxError: Unterminated string in JSON at position 27\n"})
		}, report.Passed, "exit 1"},
	{"error_mentions exec: a field path written the Python way", "error_mentions: customer.email",
		func() *Observation {
			return execd(ExecResult{ExitCode: 1, Duration: ms(50), Stderr: "ValueError: customer['email'] is None, expected a string\n"})
		}, report.Passed, "exit 1"},
	{"error_mentions exec: killed at the timeout, whatever it logged", "error_mentions: reset",
		func() *Observation {
			return execd(ExecResult{ExitCode: -1, TimedOut: true, Duration: ms(50), Stderr: "retrying after connection reset\n"})
		}, report.Failed, "killed at the scenario's timeout"},
	{"error_mentions exec: a message without it", "error_mentions: amount",
		func() *Observation { return execd(ExecResult{ExitCode: 1, Duration: ms(50), Stderr: "oops\n"}) },
		report.Failed, "output: oops"},

	// webhooks_acknowledged
	{"webhooks_acknowledged: redelivered until 2xx, forged refused", "webhooks_acknowledged",
		func() *Observation {
			return hooks(nil, genuine("evt_1", 1, 500), genuine("evt_1", 2, 200), genuine("evt_2", 1, 204), forgery("evt_3", 401))
		},
		report.Passed, "4 deliveries of 2 genuine events, 1 forged; 0 problems"},
	{"webhooks_acknowledged: a forged delivery accepted", "webhooks_acknowledged:",
		func() *Observation { return hooks(nil, genuine("evt_1", 1, 200), forgery("evt_2", 200)) },
		report.Failed, "forged (bad_signature) delivery of evt_2 answered 200, want 4xx"},
	{"webhooks_acknowledged: an event never acknowledged", "webhooks_acknowledged:",
		func() *Observation {
			return hooks(nil, genuine("evt_1", 1, 200), genuine("evt_2", 1, 500), genuine("evt_2", 2, 500))
		},
		report.Failed, "event evt_2 never acknowledged: last answer 500"},
	{"webhooks_acknowledged: no delivery is nothing to judge", "webhooks_acknowledged:",
		func() *Observation { return hooks(nil) }, report.Failed, "the upstream delivered no webhook, so nothing was judged"},

	// webhooks_once
	{"webhooks_once: one effect per genuine event, none for forged", "webhooks_once",
		func() *Observation {
			return hooks(map[string]int{"evt_1": 1, "evt_2": 1},
				genuine("evt_1", 1, 500), genuine("evt_1", 2, 200), genuine("evt_2", 1, 200), forgery("evt_3", 401))
		}, report.Passed, "3 events, 0 with the wrong number of effects"},
	{"webhooks_once: a redelivery processed again", "webhooks_once:",
		func() *Observation {
			return hooks(map[string]int{"evt_1": 2}, genuine("evt_1", 1, 200), genuine("evt_1", 2, 200))
		}, report.Failed, "event evt_1: 2 effects, want 1"},
	{"webhooks_once: a forgery processed", "webhooks_once:",
		func() *Observation {
			return hooks(map[string]int{"evt_1": 1, "evt_9": 1}, genuine("evt_1", 1, 200), forgery("evt_9", 200))
		},
		report.Failed, "event evt_9: 1 effect, want 0"},
	{"webhooks_once: an event lost", "webhooks_once:",
		func() *Observation { return hooks(map[string]int{}, genuine("evt_1", 1, 200)) },
		report.Failed, "event evt_1: 0 effects, want 1"},
	{"webhooks_once: effects not countable", "webhooks_once:",
		func() *Observation { return hooks(nil, genuine("evt_1", 1, 200)) }, report.Skipped, "effects cannot be counted"},
	{"webhooks_once: no delivery is nothing to judge", "webhooks_once:",
		func() *Observation { return hooks(map[string]int{}) }, report.Failed, "0 events"},
}

// hooks is a run in which the upstream sent deliveries and the receiver
// counted effects (nil: not countable).
func hooks(effects map[string]int, ds ...journal.Delivery) *Observation {
	o := observed(scen(gets(1)))
	o.Deliveries, o.Effects = ds, effects
	for i := range o.Deliveries {
		o.Deliveries[i].Seq = uint64(i + 1)
	}
	return o
}

func genuine(id string, attempt, status int) journal.Delivery {
	return journal.Delivery{Time: t0, Webhook: "orders", EventID: id, Type: "order.paid", Attempt: attempt, Status: status}
}

func forgery(id string, status int) journal.Delivery {
	d := genuine(id, 1, status)
	d.Fault, d.Forged = "bad_signature", true
	return d
}

func TestChecks(t *testing.T) {
	for _, tc := range checkCases {
		t.Run(tc.name, func(t *testing.T) {
			c := loadCheck(t, tc.check)
			got := c.Evaluate(tc.obs())
			text := strings.Join(append([]string{got.Expected, got.Observed, got.Message}, got.Evidence...), "\n")
			assert.Equal(t, c.Name(), got.Name)
			assert.Equal(t, tc.want, got.Status, text)
			assert.Contains(t, text, tc.says)
			if got.Status == report.Failed && got.Observed == "" && got.Message == "" {
				t.Errorf("a failed check must say what it observed or why")
			}
		})
	}
}

// TestEveryCheckIsTested fails the build of a new check until it has a case
// in which a client passes and one in which a client fails.
func TestEveryCheckIsTested(t *testing.T) {
	passes, fails := map[string]bool{}, map[string]bool{}
	for _, tc := range checkCases {
		name := strings.TrimSuffix(strings.Fields(tc.check)[0], ":")
		switch tc.want {
		case report.Passed:
			passes[name] = true
		case report.Failed:
			fails[name] = true
		}
	}
	assert.Equal(t, CheckNames(), sortedKeys(passes), "checks with a passing case")
	assert.Equal(t, CheckNames(), sortedKeys(fails), "checks with a failing case")
	covered := map[string]bool{}
	for _, tc := range checkDecodeErrors {
		covered[tc.check] = true
	}
	assert.Equal(t, CheckNames(), sortedKeys(covered), "checks with a decode error case")
}

var checkDecodeErrors = []struct {
	check string // the check's name
	value string // what follows "name:" on line 10
	says  string
}{
	{"outcome", ` maybe`, `"maybe": expect success,`},
	{"outcome", ` {expect: success, within: soon}`, `within: "soon" is not a duration`},
	{"attempts", ` 0`, `give a number of attempts`},
	{"attempts", ` {min: 3, max: 2}`, `0 < min <= max`},
	{"attempts", ` {exact: many}`, `exact: "many" is a string, expected a whole number`},
	{"attempts", ` {maxx: 3}`, `unknown key "maxx" (did you mean "max"?)`},
	{"no_retry_on", ` 404`, `give a list of statuses`},
	{"no_retry_on", ` []`, `give a list of statuses`},
	{"no_retry_on", ` [404.5]`, `no_retry_on[0]: 404.5 is not a whole number`},
	{"no_retry_on", ` [many]`, `no_retry_on[0]: "many" is a string, expected a whole number`},
	{"attempts", ` {max: 2.5}`, `attempts.max: 2.5 is not a whole number`},
	{"attempts", ` 2.5`, `"2.5": give a number of attempts`},
	{"circuit_opens", ` {after: 2.5}`, `circuit_opens.after: 2.5 is not a whole number`},
	{"concurrency_below", ` 2.5`, `"2.5": give a number`},
	{"concurrency_below", ` {max: 1.5}`, `concurrency_below.max: 1.5 is not a whole number`},
	{"amplification_below", ` .inf`, `".inf": give a ratio`},
	{"amplification_below", ` 1.5x`, `"1.5x": give a ratio`},
	{"goodput", ` .nan`, `".nan": give the share of calls`},
	{"goodput", ` 0.9abc`, `"0.9abc": give the share of calls`},
	{"retry_after_honoured", ` {tolerance: a-bit}`, `tolerance: "a-bit" is not a duration`},
	{"retry_after_honoured", ` 2s`, `{tolerance: 2s}`},
	{"backoff", ``, `expected a mapping of parameters`},
	{"backoff", ` {min: fast}`, `min: "fast" is not a duration`},
	{"backoff", ` {jitter: true}`, `min: give the smallest acceptable median wait`},
	{"idempotency_key_stable", ` {per: call}`, `takes no parameters`},
	{"no_duplicate_effects", ` 2`, `takes no parameters`},
	{"requests_conform", ` {strict: true}`, `takes no parameters`},
	{"timeout_respected", ` soon`, `give a duration, e.g. timeout_respected: 2s`},
	{"timeout_respected", ` {}`, `give a duration above zero`},
	{"max_duration", ` {within: -1s}`, `within: duration -1s is negative`},
	{"latency", ` {}`, `give at least one of p50, p95, p99`},
	{"latency", ` {p90: 1s}`, `unknown key "p90"`},
	{"rate_below", ` {rps: 0}`, `give rps above zero`},
	{"rate_below", ` {rps: 5, window: 1 second}`, `window: "1 second" is not a duration`},
	{"concurrency_below", ` many`, `"many": give a number`},
	{"concurrency_below", ` {max: 0}`, `max must be at least 1`},
	{"amplification_below", ` 0.5`, `ratio must be at least 1`},
	{"amplification_below", ` lots`, `"lots": give a ratio`},
	{"goodput", ` 1.5`, `min must be above 0 and at most 1`},
	{"goodput", ` lots`, `"lots": give the share of calls that must succeed`},
	{"circuit_opens", ` {}`, `after: how many failures should open the breaker`},
	{"circuit_opens", ` {after: 3, min_gap: 100ms}`, `min_gap`},
	{"fallback_used", ` {status: 200}`, `takes no parameters`},
	{"error_mentions", ``, `give the text the error must contain`},
	{"error_mentions", ` [amount]`, `give the text the error must contain`},
	{"webhooks_acknowledged", ` {forged: 401}`, `takes no parameters`},
	{"webhooks_once", ` false`, `takes no parameters`},
}

// TestCheckDecodeErrors: a bad value is an error at its line and column,
// naming the check's path in the file.
func TestCheckDecodeErrors(t *testing.T) {
	for _, tc := range checkDecodeErrors {
		t.Run(tc.check+tc.value, func(t *testing.T) {
			_, err := Load("check.yaml", []byte(checkYAML(tc.check+":"+tc.value)))
			require.Error(t, err)
			assert.ErrorIs(t, err, fault.ErrInvalid)
			msg := err.Error()
			assert.Regexp(t, `^check\.yaml:10:\d+: checks\[0\]\.`+tc.check+`[.:\[]`, msg)
			assert.Contains(t, msg, tc.says)
			assert.NotContains(t, msg, "\n")
		})
	}
}

// TestPercentileNearestRank: the smallest value with at least p% of the
// values at or below it.
func TestPercentileNearestRank(t *testing.T) {
	var hundred []time.Duration
	for i := 1; i <= 100; i++ {
		hundred = append(hundred, ms(i))
	}
	for _, tc := range []struct {
		ds   []time.Duration
		p    float64
		want time.Duration
	}{
		{nil, 50, 0},
		{[]time.Duration{ms(7)}, 99, ms(7)},
		{[]time.Duration{ms(3), ms(1), ms(2), ms(4)}, 50, ms(2)},
		{[]time.Duration{ms(3), ms(1), ms(2), ms(4)}, 51, ms(3)},
		{hundred, 95, ms(95)},
		{hundred, 99, ms(99)},
		{hundred, 99.5, ms(100)},
		{hundred[:11], 95, ms(11)}, // 10.45 rounds up, not to the nearest
		{hundred[:60], 99, ms(60)}, // 59.4 likewise
		{hundred[:20], 95, ms(19)},
		{hundred, 0, ms(1)},
		{hundred, 100, ms(100)},
	} {
		assert.Equal(t, tc.want, percentile(tc.ds, tc.p), "p%v of %d", tc.p, len(tc.ds))
	}
}

// TestGroupsSplitCalls: attempts group by Idempotency-Key, else
// X-Request-Id, else method and path.
func TestGroupsSplitCalls(t *testing.T) {
	o := observed(scen(posts(2)), seqd(
		entryAt(0, 0, 503, asPost, idemKey("k1"), rid("r1")), entryAt(0, 1, 503, asPost, idemKey("k1"), rid("r2")),
		entryAt(0, 2, 503, rid("r3")), entryAt(0, 3, 200, rid("r3")),
		entryAt(0, 4, 200), entryAt(0, 5, 200),
	)...)
	var keys []string
	var sizes []int
	for _, g := range o.Groups() {
		keys = append(keys, g.Key)
		sizes = append(sizes, len(g.Entries))
	}
	assert.Equal(t, []string{"key:k1", "rid:r3", "GET /v1/orders"}, keys)
	assert.Equal(t, []int{2, 2, 2}, sizes)
}

// TestMentionSynonymsDocumented keeps the table in docs/scenarios.md ("Which
// words an error must contain") in step with MentionSynonyms.
func TestMentionSynonymsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/scenarios.md")
	require.NoError(t, err)
	text := strings.ToLower(string(doc))
	for class, words := range MentionSynonyms {
		for _, w := range words {
			assert.Contains(t, text, "`"+w+"`", "docs/scenarios.md lists no %q for %s", w, class)
		}
	}
}
