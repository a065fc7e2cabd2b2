package resilience

import (
	"fmt"
	"time"
)

// Policy is everything the client decides by. It is plain data: build it
// with [DefaultPolicy] and change fields, or load it from YAML with
// [LoadPolicy] and [PolicyFromYAML]. The zero value of a section's Enabled
// field turns that section off.
type Policy struct {
	Timeouts    Timeouts          `yaml:"timeouts"`
	Retry       RetryPolicy       `yaml:"retry"`
	Breaker     BreakerPolicy     `yaml:"breaker"`
	RateLimit   RateLimitPolicy   `yaml:"rate_limit"`
	Budget      BudgetPolicy      `yaml:"budget"`
	Bulkhead    BulkheadPolicy    `yaml:"bulkhead"`
	Idempotency IdempotencyPolicy `yaml:"idempotency"`
	StaleCache  StaleCachePolicy  `yaml:"stale_cache"`
	// MaxResponseBytes caps a response body; a longer body fails the call
	// as not retryable instead of exhausting memory.
	MaxResponseBytes int64 `yaml:"max_response_bytes"`
}

// Timeouts bound each attempt (by kind of operation), each call, and the
// transport's connection phases.
type Timeouts struct {
	Read    time.Duration `yaml:"read"`    // per attempt, KindRead
	Create  time.Duration `yaml:"create"`  // per attempt, KindCreate
	Update  time.Duration `yaml:"update"`  // per attempt, KindUpdate
	Payment time.Duration `yaml:"payment"` // per attempt, KindPayment
	Upload  time.Duration `yaml:"upload"`  // per attempt, KindUpload
	// Total bounds a whole call, retries and waits included. Zero leaves
	// the caller's context as the only overall deadline.
	Total          time.Duration `yaml:"total"`
	Connect        time.Duration `yaml:"connect"`
	TLSHandshake   time.Duration `yaml:"tls_handshake"`
	ResponseHeader time.Duration `yaml:"response_header"`
	// MinFit: an attempt is sent only when at least this share of the
	// upstream's recent answers came within the time its call has left
	// (see latencies); otherwise the call fails at once with ErrDeadline.
	// Calls without a deadline are always sent; 0 turns this off. The
	// default, 0.5, sends an attempt when the call has at least the
	// upstream's recent median answer time left.
	MinFit float64 `yaml:"min_fit"`
}

// RetryPolicy is exponential backoff with full jitter above the base delay:
// before retry n the client sleeps a uniform random duration in
// [BaseDelay, BaseDelay + min(BaseDelay*Multiplier^(n-1), MaxDelay-BaseDelay)),
// so a retry never comes sooner than BaseDelay, callers spread out from the
// first retry, and no wait exceeds MaxDelay. A server's Retry-After replaces
// the backoff (plus up to a tenth of it, at most BaseDelay, of jitter).
// The default BaseDelay, 50ms (Envoy's is 25ms), keeps a retry's wait
// small beside a slow upstream's answer: a caller whose workers are all
// busy pays for every wait in calls that queue behind it (at 100ms, a
// slow day's goodput was 2-4 points lower). The retry budget, not the
// wait, bounds what retries add to the upstream's load.
type RetryPolicy struct {
	MaxAttempts int           `yaml:"max_attempts"` // 1 means no retries
	BaseDelay   time.Duration `yaml:"base_delay"`
	Multiplier  float64       `yaml:"multiplier"`
	MaxDelay    time.Duration `yaml:"max_delay"`
	// MaxRetryAfter is the longest server Retry-After the client waits
	// out; a longer one ends the call at once with ErrRetryAfterTooLong
	// (retrying sooner would ignore the server).
	MaxRetryAfter time.Duration `yaml:"max_retry_after"`
}

// BreakerPolicy configures one circuit breaker per upstream host (or per
// Request.Name). It trips on ConsecutiveFailures in a row, or when at least
// MinRequests attempts in the rolling Window failed at FailureRatio or more.
// Zero ConsecutiveFailures or FailureRatio disables that trip. Open, it
// sends nothing for OpenTimeout, then lets HalfOpenProbes attempts through:
// their success closes it, a failure opens it again. With WaitForProbe
// (the default), a call the open breaker refuses waits for the next probe
// when the wait fits its deadline (a call without a deadline uses one of
// retry.max_attempts per refusal instead), so a call made near an outage's
// end still succeeds; otherwise, or without WaitForProbe (the classic
// breaker, which frees the caller at once for a fallback), it fails with
// ErrCircuitOpen. The default OpenTimeout, 150ms, sees an outage's end
// within 150ms for about 7 requests a second while it lasts (a 1 s open
// time lost the calls whose deadline fell in the half second, on
// average, between the outage's end and the next probe; 250ms still lost
// a point or two of goodput that way). The default ConsecutiveFailures,
// 10, is what an outage produces within a quarter second at 40 calls/s,
// while an upstream failing 44% of requests at random produces 5 in a
// row in most runs of 150 attempts (0.44^5 ≈ 1.6% per attempt), so 5
// opened the breaker on a bad but working upstream.
type BreakerPolicy struct {
	Enabled             bool          `yaml:"enabled"`
	ConsecutiveFailures int           `yaml:"consecutive_failures"`
	FailureRatio        float64       `yaml:"failure_ratio"`
	MinRequests         int           `yaml:"min_requests"`
	Window              time.Duration `yaml:"window"`
	Buckets             int           `yaml:"buckets"` // the window rolls one bucket at a time
	OpenTimeout         time.Duration `yaml:"open_timeout"`
	HalfOpenProbes      int           `yaml:"half_open_probes"`
	WaitForProbe        bool          `yaml:"wait_for_probe"`
}

// RateLimitPolicy is a token bucket per host. A 429 sets the rate to
// BackoffFactor times the rate actually sent in the last second (never
// below MinRate); it then climbs back linearly to Rate over Recovery. It is
// cut at most once per server window: the 429s that answer requests sent
// before the window the server announced (Retry-After, X-RateLimit-Reset)
// has passed are that same window's refusals, not news. The default 0.9
// lands just under a limit the client barely passed (a halving, 0.5, left
// a client offering 40 calls/s to a 42/s limit sending 20/s, its queue
// growing past its deadlines); a client far over a limit converges over a
// few windows.
type RateLimitPolicy struct {
	Enabled       bool          `yaml:"enabled"`
	Rate          float64       `yaml:"rate"` // requests per second
	Burst         int           `yaml:"burst"`
	BackoffFactor float64       `yaml:"backoff_factor"`
	MinRate       float64       `yaml:"min_rate"`
	Recovery      time.Duration `yaml:"recovery"`
	// FollowQuota (the default) follows the quota the server announces
	// (X-RateLimit-Limit and -Remaining with a Reset): once it says the
	// window is spent, requests wait for the window's end instead of
	// being refused into a Retry-After, and a 429 then does not cut the
	// rate (the server's own count paces better). See quota.go.
	FollowQuota bool `yaml:"follow_quota"`
}

// BudgetPolicy is a retry budget in the style of Finagle's, per host: over
// the last Window, retries may add at most Ratio of the calls made, plus
// MinPerSecond retries per second whatever the traffic (so a client making
// a handful of calls can still retry them). It bounds what retries add to
// the upstream's load, at 1 + Ratio requests per call once traffic
// outnumbers the floor, without stopping retries at any particular failure
// rate: an ordinary bad day is retried through, an outage not multiplied.
type BudgetPolicy struct {
	Enabled      bool          `yaml:"enabled"`
	Ratio        float64       `yaml:"ratio"`
	MinPerSecond float64       `yaml:"min_per_second"`
	Window       time.Duration `yaml:"window"`
}

// BulkheadPolicy caps attempts in flight per host; an attempt waits at most
// MaxWait for a slot.
type BulkheadPolicy struct {
	Enabled     bool          `yaml:"enabled"`
	MaxInFlight int           `yaml:"max_in_flight"`
	MaxWait     time.Duration `yaml:"max_wait"`
}

// IdempotencyPolicy decides which calls carry an idempotency key. With
// AutoKey, POST and PATCH without Request.IdempotencyKey get a generated one.
type IdempotencyPolicy struct {
	AutoKey bool   `yaml:"auto_key"`
	Header  string `yaml:"header"`
}

// StaleCachePolicy keeps the last successful response of each GET URL and
// serves it, marked Stale, when the upstream fails.
type StaleCachePolicy struct {
	Enabled    bool          `yaml:"enabled"`
	MaxAge     time.Duration `yaml:"max_age"`
	MaxEntries int           `yaml:"max_entries"`
}

// DefaultPolicy returns the reference policy, every protection on.
func DefaultPolicy() Policy {
	return Policy{
		Timeouts: Timeouts{
			Read: 5 * time.Second, Create: 10 * time.Second, Update: 10 * time.Second,
			Payment: 30 * time.Second, Upload: 60 * time.Second,
			Connect: 3 * time.Second, TLSHandshake: 5 * time.Second, ResponseHeader: 30 * time.Second,
			MinFit: 0.5,
		},
		Retry: RetryPolicy{
			MaxAttempts: 4, BaseDelay: 50 * time.Millisecond, Multiplier: 2,
			MaxDelay: 5 * time.Second, MaxRetryAfter: 30 * time.Second,
		},
		Breaker: BreakerPolicy{
			Enabled: true, ConsecutiveFailures: 10, FailureRatio: 0.5, MinRequests: 20,
			Window: 10 * time.Second, Buckets: 10, OpenTimeout: 150 * time.Millisecond, HalfOpenProbes: 1, WaitForProbe: true,
		},
		RateLimit: RateLimitPolicy{
			Enabled: true, Rate: 100, Burst: 100, BackoffFactor: 0.9, MinRate: 1,
			Recovery: 2 * time.Second, FollowQuota: true,
		},
		Budget:           BudgetPolicy{Enabled: true, Ratio: 0.2, MinPerSecond: 10, Window: 10 * time.Second},
		Bulkhead:         BulkheadPolicy{Enabled: true, MaxInFlight: 64, MaxWait: time.Second},
		Idempotency:      IdempotencyPolicy{AutoKey: true, Header: "Idempotency-Key"},
		StaleCache:       StaleCachePolicy{Enabled: true, MaxAge: 5 * time.Minute, MaxEntries: 1024},
		MaxResponseBytes: 32 << 20,
	}
}

// Validate reports the first out-of-range field, named by its YAML key path.
// [New] accepts any Policy; it replaces invalid values by the defaults.
func (p Policy) Validate() error {
	if path, msg := p.problem(); path != "" {
		return fmt.Errorf("%w: %s: %s", ErrInvalidPolicy, path, msg)
	}
	return nil
}

type fieldCheck struct {
	path string
	bad  bool
	msg  string
}

// problem returns the key path and message of the first invalid field.
func (p Policy) problem() (path, msg string) {
	t, r, b, rl := p.Timeouts, p.Retry, p.Breaker, p.RateLimit
	checks := []fieldCheck{
		{"timeouts.read", t.Read <= 0, "must be positive"},
		{"timeouts.create", t.Create <= 0, "must be positive"},
		{"timeouts.update", t.Update <= 0, "must be positive"},
		{"timeouts.payment", t.Payment <= 0, "must be positive"},
		{"timeouts.upload", t.Upload <= 0, "must be positive"},
		{"timeouts.total", t.Total < 0, "must not be negative (0 means no limit)"},
		{"timeouts.min_fit", t.MinFit < 0 || t.MinFit > 1, "must be between 0 and 1 (0 sends every attempt)"},
		{"timeouts.connect", t.Connect < 0, "must not be negative"},
		{"timeouts.tls_handshake", t.TLSHandshake < 0, "must not be negative"},
		{"timeouts.response_header", t.ResponseHeader < 0, "must not be negative"},
		{"retry.max_attempts", r.MaxAttempts < 1, "must be at least 1 (1 means no retries)"},
		{"retry.base_delay", r.BaseDelay < 0, "must not be negative"},
		{"retry.multiplier", r.Multiplier < 1, "must be at least 1"},
		{"retry.max_delay", r.MaxDelay < r.BaseDelay, "must be at least retry.base_delay"},
		{"retry.max_retry_after", r.MaxRetryAfter <= 0, "must be positive"},
		{"breaker.consecutive_failures", b.ConsecutiveFailures < 0, "must not be negative (0 disables this trip)"},
		{"breaker.failure_ratio", b.FailureRatio < 0 || b.FailureRatio > 1, "must be between 0 and 1"},
		{"breaker.min_requests", b.Enabled && b.MinRequests < 1, "must be at least 1"},
		{"breaker.window", b.Window < 0, "must not be negative"},
		{"breaker.buckets", b.Enabled && b.Buckets < 1, "must be at least 1"},
		{"breaker.open_timeout", b.Enabled && b.OpenTimeout <= 0, "must be positive"},
		{"breaker.half_open_probes", b.Enabled && b.HalfOpenProbes < 1, "must be at least 1"},
		{"rate_limit.rate", rl.Enabled && rl.Rate <= 0, "must be positive"},
		{"rate_limit.burst", rl.Enabled && rl.Burst < 1, "must be at least 1"},
		{"rate_limit.backoff_factor", rl.BackoffFactor <= 0 || rl.BackoffFactor > 1, "must be above 0 and at most 1"},
		{"rate_limit.min_rate", rl.MinRate <= 0 || (rl.Enabled && rl.MinRate > rl.Rate), "must be positive and at most rate_limit.rate"},
		{"rate_limit.recovery", rl.Recovery < 0, "must not be negative"},
		{"budget.ratio", p.Budget.Ratio < 0 || p.Budget.Ratio > 10, "must be between 0 and 10 (retries per call)"},
		{"budget.min_per_second", p.Budget.MinPerSecond < 0, "must not be negative"},
		{"budget.window", p.Budget.Enabled && p.Budget.Window <= 0, "must be positive"},
		{"bulkhead.max_in_flight", p.Bulkhead.Enabled && p.Bulkhead.MaxInFlight < 1, "must be at least 1"},
		{"bulkhead.max_wait", p.Bulkhead.MaxWait < 0, "must not be negative"},
		{"idempotency.header", p.Idempotency.Header == "", "must name a header, e.g. Idempotency-Key"},
		{"stale_cache.max_age", p.StaleCache.MaxAge < 0, "must not be negative"},
		{"stale_cache.max_entries", p.StaleCache.Enabled && p.StaleCache.MaxEntries < 1, "must be at least 1"},
		{"max_response_bytes", p.MaxResponseBytes < 1, "must be at least 1"},
	}
	for _, c := range checks {
		if c.bad {
			return c.path, c.msg
		}
	}
	return "", ""
}

// normalized returns p with every invalid field replaced by its default, so
// that New never fails and never panics.
func (p Policy) normalized() Policy {
	d := DefaultPolicy()
	for range 64 { // each pass fixes one field; the checks are finite
		path, _ := p.problem()
		if path == "" {
			break
		}
		fixField(&p, &d, path)
	}
	return p
}

func fixField(p, d *Policy, path string) {
	switch path {
	case "timeouts.read":
		p.Timeouts.Read = d.Timeouts.Read
	case "timeouts.create":
		p.Timeouts.Create = d.Timeouts.Create
	case "timeouts.update":
		p.Timeouts.Update = d.Timeouts.Update
	case "timeouts.payment":
		p.Timeouts.Payment = d.Timeouts.Payment
	case "timeouts.upload":
		p.Timeouts.Upload = d.Timeouts.Upload
	case "timeouts.min_fit":
		p.Timeouts.MinFit = d.Timeouts.MinFit
	case "timeouts.total", "timeouts.connect", "timeouts.tls_handshake", "timeouts.response_header":
		p.Timeouts.Total, p.Timeouts.Connect = max(p.Timeouts.Total, 0), max(p.Timeouts.Connect, 0)
		p.Timeouts.TLSHandshake, p.Timeouts.ResponseHeader = max(p.Timeouts.TLSHandshake, 0), max(p.Timeouts.ResponseHeader, 0)
	case "retry.max_attempts":
		p.Retry.MaxAttempts = 1
	case "retry.base_delay", "retry.max_delay":
		p.Retry.BaseDelay, p.Retry.MaxDelay = d.Retry.BaseDelay, max(p.Retry.MaxDelay, d.Retry.MaxDelay)
	case "retry.multiplier":
		p.Retry.Multiplier = d.Retry.Multiplier
	case "retry.max_retry_after":
		p.Retry.MaxRetryAfter = d.Retry.MaxRetryAfter
	case "max_response_bytes":
		p.MaxResponseBytes = d.MaxResponseBytes
	case "idempotency.header":
		p.Idempotency.Header = d.Idempotency.Header
	default:
		fixSection(p, d, path)
	}
}

// fixSection resets a whole optional section to its defaults, keeping its
// Enabled switch.
func fixSection(p, d *Policy, path string) {
	switch path[:4] {
	case "brea":
		d.Breaker.Enabled, p.Breaker = p.Breaker.Enabled, d.Breaker
	case "rate":
		d.RateLimit.Enabled, p.RateLimit = p.RateLimit.Enabled, d.RateLimit
	case "budg":
		d.Budget.Enabled, p.Budget = p.Budget.Enabled, d.Budget
	case "bulk":
		d.Bulkhead.Enabled, p.Bulkhead = p.Bulkhead.Enabled, d.Bulkhead
	case "stal":
		d.StaleCache.Enabled, p.StaleCache = p.StaleCache.Enabled, d.StaleCache
	}
}

// attemptTimeout returns the per-attempt timeout for k.
func (t Timeouts) attemptTimeout(k Kind) time.Duration {
	switch k {
	case KindCreate:
		return t.Create
	case KindUpdate:
		return t.Update
	case KindPayment:
		return t.Payment
	case KindUpload:
		return t.Upload
	}
	return t.Read
}
