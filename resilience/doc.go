// Package resilience is faultline's reference HTTP client: the executable
// answer to "what does a good API integration look like?". It is a plain
// library; import it alone.
//
// # The model
//
// A call ([Client.Do]) is one logical request; the client may send it as
// several attempts. Each attempt's outcome is put in a [Class]:
//
//   - ok: a 1xx-3xx response, body read in full;
//   - transient: nothing happened upstream (connection refused, 408, 502,
//     503, 504); retried;
//   - rate_limited: 429, or 503 with Retry-After; retried after the server's
//     wait, and the host's rate is cut;
//   - client_error: other 4xx; never retried (a 404 is an answer);
//   - ambiguous: the upstream may have acted (500, or a timeout, reset or
//     broken body after the request was written); retried only when the
//     call is idempotent (GET, PUT, DELETE, ...) or carries an
//     Idempotency-Key, which POST and PATCH get automatically;
//   - rejected: refused locally, nothing sent.
//
// Around every attempt, per host (or per Request.Name):
//
//	rate limiter ─▶ server quota ─▶ bulkhead ─▶ breaker ─▶ attempt timeout ─▶ transport
//
// Between attempts the client sleeps a full-jitter exponential backoff, or
// the server's Retry-After (delta-seconds or any HTTP-date form) capped by
// retry.max_retry_after. A wait that would pass the call's deadline fails the
// call at once with ErrRetryAfterTooLong or ErrDeadline instead of sleeping
// into a timeout. A retry budget (Finagle-style: retries at most a fifth of
// the calls, plus a few per second) stops an outage from multiplying load.
// A 429 also cuts the rate the host is sent, once per server window; the
// other calls are paced by it, not held. When the server announces its
// quota (X-RateLimit-Limit, -Remaining and -Reset), the client follows it
// instead: once the server says its window is spent, requests wait for the
// window's end (one probes it) rather than being refused into a whole
// second of Retry-After; a backlog released after an outage then goes out
// at the server's quota, not into one window at once. When the upstream is failing, a
// stale cached GET or a fallback function may answer; the Response says so.
//
// Every failure is an [*Error] carrying the class, attempts, last status and
// cause, matching one sentinel with errors.Is: ErrCircuitOpen,
// ErrBudgetExhausted, ErrDeadline (and ErrRetryAfterTooLong),
// ErrRetriesExhausted, ErrNotRetryable, ErrBulkheadFull.
//
// # Use
//
//	c := resilience.New(resilience.DefaultPolicy(), resilience.WithLogger(slog.Default()))
//	resp, err := c.Do(ctx, &resilience.Request{
//		Method: "POST", URL: "https://api.example.com/v1/charges",
//		Body: []byte(`{"amount":100}`), Kind: resilience.KindPayment,
//	})
//	switch {
//	case errors.Is(err, resilience.ErrCircuitOpen):
//		// the upstream is down; nothing was sent
//	case err != nil:
//		// err.(*resilience.Error) says why
//	}
//	var charge struct {
//		ID     string `json:"id" validate:"required"`
//		Amount int64  `json:"amount"`
//	}
//	err = resilience.DecodeJSON(resp.Body, &charge) // "amount: expected integer, got string"
//
// Or put the whole policy under any SDK: &http.Client{Transport: c.RoundTripper()}.
//
// # Policy
//
// [Policy] is plain data. [DefaultPolicy] turns every protection on; YAML
// ([LoadPolicy], [PolicyFromYAML]) overrides any part of it with the same
// snake_case keys, e.g. `retry: {max_attempts: 3, base_delay: 50ms}`.
// The defaults, as YAML:
//
//	timeouts:            # per attempt, by Request.Kind
//	  read: 5s
//	  create: 10s
//	  update: 10s
//	  payment: 30s
//	  upload: 60s
//	  total: 0s          # whole call; 0: the caller's context only
//	  connect: 3s
//	  tls_handshake: 5s
//	  response_header: 30s
//	  min_fit: 0.5       # send an attempt only if this share of recent answers came within the time the call has left
//	retry:
//	  max_attempts: 4    # 1: no retries
//	  base_delay: 50ms   # full jitter above the base: wait in [base, base + min(base*multiplier^(n-1), max_delay - base))
//	  multiplier: 2
//	  max_delay: 5s
//	  max_retry_after: 30s
//	breaker:             # per host or Request.Name, consulted as each attempt leaves
//	  enabled: true
//	  consecutive_failures: 10
//	  failure_ratio: 0.5 # over the rolling window, once min_requests are seen
//	  min_requests: 20   # a ratio over fewer attempts is noise (Hystrix uses 20 too)
//	  window: 10s
//	  buckets: 10
//	  open_timeout: 150ms # then one probe: an outage's end is seen within 150ms
//	  half_open_probes: 1
//	  wait_for_probe: true # a call refused waits for the probe if a try is left and it fits the deadline; false: fail at once
//	rate_limit:          # per host; a 429 cuts the rate sent by backoff_factor, once per server window
//	  enabled: true
//	  rate: 100          # requests per second
//	  burst: 100
//	  backoff_factor: 0.9 # of the rate actually sent: just under a limit the client barely passed
//	  min_rate: 1
//	  recovery: 2s       # back to rate, linearly
//	  follow_quota: true # follow X-RateLimit-Limit/-Remaining/-Reset: wait out a spent window, no 429 rate cut
//	budget:              # Finagle-style retry budget, per host
//	  enabled: true
//	  ratio: 0.2         # retries add at most 20% to the calls made in the window...
//	  min_per_second: 10 # ...plus 10 retries a second, so that a few calls can still retry
//	  window: 10s
//	bulkhead:
//	  enabled: true
//	  max_in_flight: 64  # attempts per host
//	  max_wait: 1s
//	idempotency:
//	  auto_key: true     # POST and PATCH get a generated key
//	  header: Idempotency-Key
//	stale_cache:         # last good GET per URL, served when the upstream fails
//	  enabled: true
//	  max_age: 5m
//	  max_entries: 1024
//	max_response_bytes: 33554432
//
// # Credentials and redirects
//
// A [Session] wraps a Client for APIs behind OAuth 2.0 bearer tokens: its
// [TokenSource] (client_credentials, or refresh_token for a user's grant)
// replaces a token at 80% of its lifetime, with one refresh shared by
// concurrent callers; a 401 `Bearer error="invalid_token"` gets the token
// replaced and the call sent once more; an invalid_grant stops every later
// call with [ErrReauthorize] ("reauthorisation needed"). Redirects are
// followed without sending Authorization or cookies to another host, and
// never from https to http ([ErrUnsafeRedirect]).
//
//	ts := resilience.NewTokenSource(resilience.OAuthConfig{TokenURL: "https://auth.example.com/token",
//		ClientID: id, ClientSecret: secret}, &http.Client{Transport: c.RoundTripper()}, nil)
//	s := &resilience.Session{Client: c, Tokens: ts}
//	resp, err := s.Do(ctx, &resilience.Request{URL: "https://api.example.com/v1/orders"})
//	if errors.Is(err, resilience.ErrReauthorize) { /* ask the user to connect the app again */ }
//
// # Listings
//
// [Paginate] fetches a whole listing by cursor or page number through a
// Client or Session: a failed page is retried from its own cursor (never
// from the first page), and a next cursor already fetched ends the listing
// with [ErrRepeatedCursor] instead of looping; a [*PageError] says where to
// resume.
//
// # Observability
//
// One log/slog record per attempt (request_id, also sent as X-Request-Id;
// method; URL with secret query values masked; status; latency; attempt;
// class; decision) and [Client.Metrics] for counters, breaker transitions
// and latency percentiles.
//
// # Testing
//
// [WithClock] and [WithSeed] make every wait and random choice reproducible,
// so tests of backoff and Retry-After never sleep.
package resilience
