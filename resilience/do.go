package resilience

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
)

// Do sends req under the client's policy and returns a complete response.
//
// A 1xx-3xx response is a success. When the call fails after the upstream
// answered (a 404, or 503 until retries ran out), Do returns that last
// Response together with an *Error, so the caller can read the body. When a
// fallback answers, the error is nil and Response.Fallback is true.
func (c *Client) Do(ctx context.Context, req *Request) (*Response, error) {
	c.m.calls.Add(1)
	cl, err := c.prepare(req)
	if err != nil {
		c.m.finish(0, err, false)
		return nil, err
	}
	if t := c.p.Timeouts.Total; t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
		cl.deadline = cl.start.Add(t)
	}
	resp, err := c.run(ctx, cl)
	if err != nil {
		resp, err = c.useFallback(cl, resp, err)
	}
	c.m.finish(cl.end.Sub(cl.start), err, resp != nil && resp.Fallback)
	return resp, err
}

// run sends attempts until one succeeds or the policy says stop.
func (c *Client) run(ctx context.Context, cl *call) (*Response, error) {
	for {
		out := c.attempt(ctx, cl)
		c.m.outcomes[out.class].Add(1)
		if out.status != 0 {
			cl.last, cl.status = out.resp, out.status
		}
		wait, stop := c.decide(ctx, cl, &out)
		c.logAttempt(ctx, cl, &out, wait, stop)
		if out.class == ClassOK {
			out.resp.Attempts, cl.end = cl.attempts, out.end
			if cl.method == http.MethodGet && out.resp.StatusCode < 300 {
				c.cache.put(cacheKey(cl), out.resp, out.end)
			}
			return out.resp, nil
		}
		if stop != nil {
			cl.end = c.clock.Now()
			return c.lastResponse(cl), stop
		}
		if err := c.sleep(ctx, wait, out.change); err != nil {
			cl.end = c.clock.Now()
			return c.lastResponse(cl), cl.fail(out.class, ErrDeadline, err)
		}
		if out.reason == nil {
			c.m.retries.Add(1)
		}
	}
}

func (c *Client) lastResponse(cl *call) *Response {
	if cl.last != nil {
		cl.last.Attempts = cl.attempts
	}
	return cl.last
}

// outcome is what one attempt produced.
type outcome struct {
	class      Class
	status     int       // HTTP status, 0 when none arrived
	resp       *Response // complete response, when one was read
	err        error     // cause of failure
	reason     error     // sentinel when refused locally (nothing sent)
	retryAfter time.Duration
	hasWait    bool            // retryAfter came from the server
	hold       time.Duration   // refused by an open breaker: how long it stays open
	change     <-chan struct{} // refused by a half-open breaker: closed at its probe's verdict
	window     time.Duration   // refused by a rate limit: how long its window has left
	latency    time.Duration
	end        time.Time // when the attempt ended
	callerGone bool      // the caller's context ended during the attempt
}

// attempt passes the rate limiter, the bulkhead and the breaker, then
// sends. An open breaker refuses at once, before any wait.
func (c *Client) attempt(ctx context.Context, cl *call) outcome {
	up := cl.up
	if cl.first() {
		up.budget.onCall(cl.start)
	}
	if wait := up.breaker.openFor(c.clock.Now()); wait > 0 {
		return refused(cl, wait, nil, gobreaker.ErrOpenState)
	}
	out := c.admitAndSend(ctx, cl)
	if out.class == ClassRateLimited && !up.quota.following() {
		up.limiter.throttle(out.end.Add(-out.latency), out.end, out.window)
	}
	return out
}

// refused is an attempt the breaker refused. Only a half-open breaker's
// change of state wakes the call early: an open one's held calls return
// spread out, at the probe time plus their jitter.
func refused(cl *call, hold time.Duration, change <-chan struct{}, err error) outcome {
	if hold > 0 {
		change = nil
	}
	return outcome{class: ClassRejected, reason: ErrCircuitOpen, hold: hold, change: change,
		err: fmt.Errorf("breaker %q: %w", cl.name, err)}
}

// sleep waits for d, or until wake is closed (nil never is).
func (c *Client) sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) error {
	if wake == nil {
		return c.clock.Sleep(ctx, d)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-wake:
			cancel()
		case <-wctx.Done():
		}
	}()
	if err := c.clock.Sleep(wctx, d); err != nil && ctx.Err() != nil {
		return err
	}
	return nil
}

func (c *Client) admitAndSend(ctx context.Context, cl *call) outcome {
	start, err := c.waitForRate(ctx, cl)
	if err != nil {
		return outcome{class: ClassRejected, reason: ErrDeadline, err: err}
	}
	probe, held, err := c.waitForQuota(ctx, cl)
	if err != nil {
		return outcome{class: ClassRejected, reason: ErrDeadline, err: err}
	}
	waited, err := cl.up.bulk.acquire(ctx, c.clock)
	if err != nil {
		cl.up.quota.cancel(probe)
		reason := ErrBulkheadFull
		if !errors.Is(err, ErrBulkheadFull) {
			reason = ErrDeadline
		}
		return outcome{class: ClassRejected, reason: reason, err: fmt.Errorf("waiting for a bulkhead slot for %q: %w", cl.name, err)}
	}
	defer cl.up.bulk.release()
	if err := c.fits(ctx, cl, 0); err != nil {
		cl.up.quota.cancel(probe)
		return outcome{class: ClassRejected, reason: ErrDeadline, err: err}
	}
	// The breaker is asked last, as the attempt leaves: an outage that
	// began while it waited is seen.
	done, hold, change, err := cl.up.breaker.allow(c.clock.Now())
	if err != nil {
		cl.up.quota.cancel(probe)
		return refused(cl, hold, change, err)
	}
	cl.attempts++
	c.m.attempts.Add(1)
	if waited || held {
		start = c.clock.Now()
	}
	out := c.send(ctx, cl, start)
	done(out.verdict())
	var h http.Header
	if out.resp != nil {
		h = out.resp.Header
	}
	cl.up.quota.done(start, out.end, probe, out.status, h)
	if out.status != 0 {
		cl.up.latency.add(out.end, out.latency)
	}
	return out
}

// fits returns an error when the call, after waiting wait, would have less
// time left than timeouts.min_fit of the upstream's recent answers took
// (see latencies): such an attempt would most likely be cut short by the
// deadline, holding the caller for nothing.
func (c *Client) fits(ctx context.Context, cl *call, wait time.Duration) error {
	if c.p.Timeouts.MinFit <= 0 {
		return nil
	}
	rem, ok := c.remaining(ctx, cl)
	if !ok {
		return nil
	}
	left := rem - wait
	share, of := cl.up.latency.fit(c.clock.Now(), left)
	if share >= c.p.Timeouts.MinFit {
		return nil
	}
	return fmt.Errorf("only %.0f%% of the last %d answers from %q came within the %s an attempt would have left (timeouts.min_fit: %.2f)",
		share*100, of, cl.name, left.Round(time.Millisecond), c.p.Timeouts.MinFit)
}

// waitForQuota waits while the server's announced quota is spent (see
// quota), failing at once when the wait would outlast the deadline. It
// returns whether the attempt goes as the spent window's probe, and
// whether it waited.
func (c *Client) waitForQuota(ctx context.Context, cl *call) (probe, waited bool, err error) {
	for {
		d, probe := cl.up.quota.admit(c.clock.Now())
		if d <= 0 {
			return probe, waited, nil
		}
		if rem, ok := c.remaining(ctx, cl); ok && d >= rem {
			return false, waited, fmt.Errorf("the server said the rate limit window of %q is spent: it may end in %s, %s left",
				cl.name, d.Round(time.Millisecond), rem.Round(time.Millisecond))
		}
		if err := c.clock.Sleep(ctx, d); err != nil {
			return false, waited, err
		}
		waited = true
	}
}

// waitForRate waits for the host's rate limiter, failing at once when the
// wait would outlast the deadline. It returns the time it is done.
func (c *Client) waitForRate(ctx context.Context, cl *call) (time.Time, error) {
	now := cl.start // the first attempt starts right away
	if !cl.first() {
		now = c.clock.Now()
	}
	d, cancel := cl.up.limiter.delay(now)
	if d < time.Millisecond { // less than the timer's own slack
		return now, nil
	}
	if rem, ok := c.remaining(ctx, cl); ok && d > rem {
		cancel(now)
		return now, fmt.Errorf("rate limit of %q needs a %s wait, %s left", cl.name, d, rem.Round(time.Millisecond))
	}
	if err := c.clock.Sleep(ctx, d); err != nil {
		cancel(c.clock.Now())
		return now, err
	}
	return c.clock.Now(), nil
}

// send makes one HTTP exchange and reads the whole body.
func (c *Client) send(ctx context.Context, cl *call, start time.Time) (out outcome) {
	actx, cancel := context.WithTimeout(ctx, cl.timeout)
	defer cancel()
	// Whether the request may have reached the server decides if a failure
	// is ambiguous: once a connection carries it, it may have, unless
	// writing it failed. Transports other than the client's own may not
	// report this: then assume it may have (the safe answer).
	//
	// Go's transport also replays a GET (or a keyed POST) by itself, at
	// once, when a kept-alive connection turns out closed; each replay the
	// server may have seen counts as an attempt.
	w := newWire(!c.ownTransport)
	actx = httptrace.WithClientTrace(actx, &w.trace)
	defer func() {
		out.end = c.clock.Now()
		out.latency = out.end.Sub(start)
		out.callerGone = ctx.Err() != nil
		if n := w.writes.Load(); n > 1 {
			cl.attempts += int(n - 1)
			c.m.attempts.Add(int64(n - 1))
		}
	}()
	resp, err := c.rt.RoundTrip(cl.request(actx))
	if err != nil {
		return outcome{class: classifyError(err, w.mayHaveArrived()), err: c.attemptErr(ctx, actx, cl, err)}
	}
	body, err := readBody(resp, cl.method, c.p.MaxResponseBytes)
	status := resp.StatusCode
	out = outcome{class: classifyStatus(status, resp.Header.Get("Retry-After") != ""), status: status}
	out.resp = &Response{StatusCode: status, Header: resp.Header, Body: body}
	switch {
	case errors.Is(err, errTooLarge):
		out.resp, out.class, out.err = nil, ClassClientError, fmt.Errorf("%w (%d bytes)", err, c.p.MaxResponseBytes)
	case err != nil:
		out.resp = nil // never hand out a partial body
		out.err = c.attemptErr(ctx, actx, cl, fmt.Errorf("reading the %d response body: %w", status, err))
		if out.class == ClassOK {
			out.class = ClassAmbiguous
		}
	}
	out.retryAfter, out.hasWait = c.serverWait(resp, status)
	if status == http.StatusTooManyRequests {
		out.window = windowLeft(resp.Header, c.clock.Now(), out.retryAfter)
	}
	return out
}

// wire records, through httptrace, what happened to an attempt on the wire.
type wire struct {
	gotConn, writeFailed atomic.Bool
	writes               atomic.Int32 // requests written in full
	trace                httptrace.ClientTrace
}

func newWire(assumeSent bool) *wire {
	w := &wire{}
	w.gotConn.Store(assumeSent)
	w.trace.GotConn = func(httptrace.GotConnInfo) { w.gotConn.Store(true) }
	w.trace.WroteRequest = func(i httptrace.WroteRequestInfo) {
		w.writeFailed.Store(i.Err != nil)
		if i.Err == nil {
			w.writes.Add(1)
		}
	}
	return w
}

// mayHaveArrived reports whether the server may have received the request.
func (w *wire) mayHaveArrived() bool { return w.gotConn.Load() && !w.writeFailed.Load() }

// request builds one attempt's request, with a fresh reader over the body.
func (cl *call) request(ctx context.Context) *http.Request {
	r := http.Request{
		Method: cl.method, URL: cl.u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: cl.header, Body: http.NoBody,
	}
	if body := cl.req.Body; len(body) > 0 {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	return r.WithContext(ctx)
}

// attemptErr names an attempt timeout as such.
func (c *Client) attemptErr(ctx, actx context.Context, cl *call, err error) error {
	if ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("attempt timed out after %s (timeouts.%s): %w", cl.timeout, cl.kind, err)
	}
	return err
}

// serverWait returns the wait a 429 or 503 asked for.
func (c *Client) serverWait(resp *http.Response, status int) (time.Duration, bool) {
	if status != http.StatusTooManyRequests && status != http.StatusServiceUnavailable {
		return 0, false
	}
	now := c.clock.Now()
	if d, ok := parseRetryAfter(resp.Header, now); ok {
		return d, true
	}
	if status == http.StatusTooManyRequests {
		return parseRateLimitReset(resp.Header, now)
	}
	return 0, false
}

var errTooLarge = errors.New("response body exceeds max_response_bytes")

// readBody reads and closes the body. A body shorter than its
// Content-Length is an error (io.ErrUnexpectedEOF), never a success.
func readBody(resp *http.Response, method string, limit int64) ([]byte, error) {
	defer resp.Body.Close()
	if method == http.MethodHead || resp.Body == http.NoBody {
		return nil, nil // Content-Length describes the GET's body
	}
	if resp.ContentLength > limit {
		return nil, errTooLarge
	}
	if n := resp.ContentLength; n >= 0 {
		buf := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, buf); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		return buf, nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, errTooLarge
	}
	return body, nil
}

// decide returns how long to wait before the next attempt, or the error
// that ends the call.
func (c *Client) decide(ctx context.Context, cl *call, out *outcome) (time.Duration, error) {
	switch {
	case out.class == ClassOK:
		return 0, nil
	case errors.Is(out.reason, ErrCircuitOpen):
		return c.holdForBreaker(ctx, cl, out)
	case out.reason != nil:
		return 0, cl.fail(out.class, out.reason, out.err)
	case ctx.Err() != nil:
		return 0, cl.fail(out.class, ErrDeadline, errors.Join(ctx.Err(), out.err))
	case !out.class.retryable(cl.safe):
		return 0, cl.fail(out.class, ErrNotRetryable, c.whyNot(cl, out))
	case cl.tries() >= c.p.Retry.MaxAttempts:
		return 0, cl.fail(out.class, ErrRetriesExhausted, out.err)
	}
	wait := c.backoff(cl.tries())
	if out.hasWait {
		if out.retryAfter > c.p.Retry.MaxRetryAfter {
			// Retrying sooner would ignore the server; waiting longer would
			// exceed the policy: give up now, and say why.
			e := cl.fail(out.class, ErrRetryAfterTooLong, out.err)
			e.RetryAfter = out.retryAfter
			return 0, e
		}
		// Never sooner than the server asks, nor than the backoff: a wait
		// of zero (or a reset already past) must not mean a hammering retry.
		wait = max(wait, c.retryAfterWait(out.retryAfter))
	}
	if rem, ok := c.remaining(ctx, cl); ok && wait >= rem {
		e := cl.fail(out.class, ErrDeadline, out.err)
		if out.hasWait {
			e.reason, e.RetryAfter = ErrRetryAfterTooLong, out.retryAfter
		}
		return 0, e
	}
	if err := c.fits(ctx, cl, wait); err != nil {
		return 0, cl.fail(out.class, ErrDeadline, errors.Join(out.err, err))
	}
	if !cl.up.budget.tryRetry(c.clock.Now()) {
		return 0, cl.fail(out.class, ErrBudgetExhausted, out.err)
	}
	return wait, nil
}

// holdForBreaker decides what a call the breaker refused does: with
// breaker.wait_for_probe, wait for the breaker's next probe (plus jitter,
// so that the calls held do not return at once, spread over at most half
// of the time the deadline leaves after the hold, so that the attempt
// still has the other half), or, when half-open with its probe out, for the probe's
// verdict (at most a first-retry backoff, and not past the deadline:
// the verdict wakes it), when the wait fits the deadline; else fail with
// ErrCircuitOpen. The wait sends
// nothing, so it takes nothing from the retry budget, nor a try from
// retry.max_attempts when the call has a deadline, which bounds the hold
// (a short open timeout, probing often, must not use up a call's tries
// while the upstream is down); a call without a deadline uses a try per
// refusal, which bounds it instead.
func (c *Client) holdForBreaker(ctx context.Context, cl *call, out *outcome) (time.Duration, error) {
	cl.refused++
	rem, bounded := c.remaining(ctx, cl)
	if !bounded {
		cl.held++
	}
	spread := c.p.Retry.BaseDelay
	if bounded {
		// At most half of what is left after the hold: the probe that
		// follows needs time of its own before the deadline.
		spread = min(spread, (rem-out.hold)/2)
	}
	wait := out.hold + c.jitter(spread)
	if out.hold <= 0 {
		wait = c.backoff(1) // the probe's verdict wakes it sooner
		if bounded {
			wait = min(wait, rem-time.Millisecond)
		}
	}
	fail := !c.p.Breaker.WaitForProbe || cl.tries() >= c.p.Retry.MaxAttempts || ctx.Err() != nil
	if bounded && (wait >= rem || wait <= 0) {
		fail = true
	}
	if fail {
		return 0, cl.fail(out.class, ErrCircuitOpen, out.err)
	}
	return wait, nil
}

// whyNot explains a failure that is not retried.
func (c *Client) whyNot(cl *call, out *outcome) error {
	if out.class == ClassAmbiguous {
		return fmt.Errorf("the upstream may have acted on this %s, which has no %s, so it is not repeated: %w",
			cl.method, c.p.Idempotency.Header, errOr(out.err, cl.status))
	}
	return errOr(out.err, cl.status)
}

func errOr(err error, status int) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("status %d %s", status, http.StatusText(status))
}

// backoff returns the full-jitter wait before retry number n (n >= 1).
func (c *Client) backoff(n int) time.Duration {
	r := c.p.Retry
	ceil := float64(r.BaseDelay)
	for i := 1; i < n && ceil < float64(r.MaxDelay); i++ {
		ceil *= r.Multiplier
	}
	span := min(time.Duration(ceil), r.MaxDelay-r.BaseDelay)
	return r.BaseDelay + c.jitter(span)
}

// retryAfterWait is the server's Retry-After plus a little jitter (a tenth
// of it, at most one base delay), so that callers released by the same
// window do not return in lockstep; capped by MaxRetryAfter.
func (c *Client) retryAfterWait(ra time.Duration) time.Duration {
	if ra > c.p.Retry.MaxRetryAfter {
		return c.p.Retry.MaxRetryAfter
	}
	return min(ra+c.jitter(min(ra/10, c.p.Retry.BaseDelay)), c.p.Retry.MaxRetryAfter)
}

// useFallback answers a failed call from the stale cache or the fallback
// function, when the failure is the upstream's.
func (c *Client) useFallback(cl *call, resp *Response, err error) (*Response, error) {
	if errors.Is(err, ErrNotRetryable) || errors.Is(err, context.Canceled) {
		return resp, err
	}
	if cl.method == http.MethodGet {
		if r, ok := c.cache.get(cacheKey(cl), c.clock.Now()); ok {
			r.Attempts = cl.attempts
			c.log.Info("fallback", "request_id", cl.id, "source", "stale_cache", "reason", reasonOf(err))
			return r, nil
		}
	}
	if c.fallback == nil {
		return resp, err
	}
	fr, ferr := c.fallback(cl.req, err)
	if ferr != nil || fr == nil {
		if ferr == nil {
			ferr = errors.New("fallback returned no response")
		}
		var e *Error
		if errors.As(err, &e) {
			joined := *e
			joined.Err = errors.Join(e.Err, fmt.Errorf("fallback failed too: %w", ferr))
			return resp, &joined
		}
		return resp, errors.Join(err, fmt.Errorf("fallback failed too: %w", ferr))
	}
	fr.Fallback, fr.Attempts = true, cl.attempts
	c.log.Info("fallback", "request_id", cl.id, "source", "function", "reason", reasonOf(err))
	return fr, nil
}

// logAttempt writes one record per attempt.
func (c *Client) logAttempt(ctx context.Context, cl *call, out *outcome, wait time.Duration, stop error) {
	level := slog.LevelInfo
	if out.class != ClassOK {
		level = slog.LevelWarn
	}
	if !c.log.Enabled(ctx, level) {
		return
	}
	decision := "success"
	switch {
	case stop != nil:
		decision = "give_up: " + reasonOf(stop)
	case out.class != ClassOK:
		decision = "retry"
	}
	attrs := []slog.Attr{
		slog.String("request_id", cl.id),
		slog.String("method", cl.method),
		slog.Any("url", safeURL{cl.u}),
		slog.Int("attempt", cl.attempts),
		slog.String("class", out.class.String()),
		slog.Duration("latency", out.latency),
		slog.String("decision", decision),
	}
	if out.status != 0 {
		attrs = append(attrs, slog.Int("status", out.status))
	}
	if wait > 0 || decision == "retry" {
		attrs = append(attrs, slog.Duration("wait", wait))
	}
	if out.err != nil {
		attrs = append(attrs, slog.String("error", out.err.Error()))
	}
	c.log.LogAttrs(ctx, level, "attempt", attrs...)
}
