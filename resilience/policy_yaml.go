package resilience

import (
	"strings"

	"github.com/faultline-dev/faultline/internal/yamlx"
	"gopkg.in/yaml.v3"
)

// LoadPolicy reads a standalone policy file: the keys of DefaultPolicy's
// sections, any of which may be left out. Errors carry name:line:col and the
// key path, e.g. `policy.yaml:3:18: breaker.failure_ratio: must be between 0 and 1`.
func LoadPolicy(name string, data []byte) (Policy, error) {
	f, err := yamlx.Parse(name, data)
	if err != nil {
		return Policy{}, err
	}
	return decodePolicy(f, f.Root, DefaultPolicy())
}

// PolicyFromYAML returns base overridden by the keys present in the mapping
// node n (gopkg.in/yaml.v3), as found inside a scenario file. Unknown keys,
// wrong types, negative durations and out-of-range values are errors at the
// node's line:col naming the key path. Errors are *yamlx.Error values with an
// empty File, for the caller to fill in.
func PolicyFromYAML(n *yaml.Node, base Policy) (Policy, error) {
	return decodePolicy(&yamlx.File{Root: n}, n, base)
}

func decodePolicy(f *yamlx.File, n *yaml.Node, base Policy) (Policy, error) {
	if n == nil {
		return base, nil
	}
	if n.Kind != yaml.MappingNode {
		return Policy{}, yamlx.Errorf(f.Name, n, "resilience policy: expected a mapping of sections (retry, breaker, timeouts, ...)")
	}
	m := mirrorOf(base)
	if err := f.Decode(n, &m, ""); err != nil {
		return Policy{}, err
	}
	p := m.policy()
	if path, msg := p.problem(); path != "" {
		at, found := valueNode(n, path)
		if other, ok := related[path]; ok && !found {
			at, _ = valueNode(n, other)
		}
		return Policy{}, yamlx.Errorf(f.Name, at, "%s: %s", path, msg)
	}
	return p, nil
}

// related names, for checks that compare two fields, the other field: when
// only it is in the YAML, the error points at it.
var related = map[string]string{
	"rate_limit.min_rate": "rate_limit.rate",
	"retry.max_delay":     "retry.base_delay",
}

// valueNode returns the node holding the value at a dotted key path, or the
// deepest mapping on the way when the key is absent (inherited from base).
func valueNode(n *yaml.Node, path string) (*yaml.Node, bool) {
	for key := range strings.SplitSeq(path, ".") {
		next := yamlx.MapValue(n, key)
		if next == nil {
			return n, false
		}
		n = next
	}
	return n, true
}

// policyYAML mirrors Policy with yamlx.Duration fields. Decoding onto a
// mirror of base overrides only the keys present.
type policyYAML struct {
	Timeouts         timeoutsYAML      `yaml:"timeouts"`
	Retry            retryYAML         `yaml:"retry"`
	Breaker          breakerYAML       `yaml:"breaker"`
	RateLimit        rateLimitYAML     `yaml:"rate_limit"`
	Budget           budgetYAML        `yaml:"budget"`
	Bulkhead         bulkheadYAML      `yaml:"bulkhead"`
	Idempotency      IdempotencyPolicy `yaml:"idempotency"`
	StaleCache       staleCacheYAML    `yaml:"stale_cache"`
	MaxResponseBytes int64             `yaml:"max_response_bytes"`
}

type d = yamlx.Duration

type timeoutsYAML struct {
	Read           d       `yaml:"read"`
	Create         d       `yaml:"create"`
	Update         d       `yaml:"update"`
	Payment        d       `yaml:"payment"`
	Upload         d       `yaml:"upload"`
	Total          d       `yaml:"total"`
	Connect        d       `yaml:"connect"`
	TLSHandshake   d       `yaml:"tls_handshake"`
	ResponseHeader d       `yaml:"response_header"`
	MinFit         float64 `yaml:"min_fit"`
}

type retryYAML struct {
	MaxAttempts   int     `yaml:"max_attempts"`
	BaseDelay     d       `yaml:"base_delay"`
	Multiplier    float64 `yaml:"multiplier"`
	MaxDelay      d       `yaml:"max_delay"`
	MaxRetryAfter d       `yaml:"max_retry_after"`
}

type breakerYAML struct {
	Enabled             bool    `yaml:"enabled"`
	ConsecutiveFailures int     `yaml:"consecutive_failures"`
	FailureRatio        float64 `yaml:"failure_ratio"`
	MinRequests         int     `yaml:"min_requests"`
	Window              d       `yaml:"window"`
	Buckets             int     `yaml:"buckets"`
	OpenTimeout         d       `yaml:"open_timeout"`
	HalfOpenProbes      int     `yaml:"half_open_probes"`
	WaitForProbe        bool    `yaml:"wait_for_probe"`
}

type rateLimitYAML struct {
	Enabled       bool    `yaml:"enabled"`
	Rate          float64 `yaml:"rate"`
	Burst         int     `yaml:"burst"`
	BackoffFactor float64 `yaml:"backoff_factor"`
	MinRate       float64 `yaml:"min_rate"`
	Recovery      d       `yaml:"recovery"`
	FollowQuota   bool    `yaml:"follow_quota"`
}

type budgetYAML struct {
	Enabled      bool    `yaml:"enabled"`
	Ratio        float64 `yaml:"ratio"`
	MinPerSecond float64 `yaml:"min_per_second"`
	Window       d       `yaml:"window"`
}

type bulkheadYAML struct {
	Enabled     bool `yaml:"enabled"`
	MaxInFlight int  `yaml:"max_in_flight"`
	MaxWait     d    `yaml:"max_wait"`
}

type staleCacheYAML struct {
	Enabled    bool `yaml:"enabled"`
	MaxAge     d    `yaml:"max_age"`
	MaxEntries int  `yaml:"max_entries"`
}

func mirrorOf(p Policy) policyYAML {
	t, r, b, rl := p.Timeouts, p.Retry, p.Breaker, p.RateLimit
	return policyYAML{
		Timeouts: timeoutsYAML{d(t.Read), d(t.Create), d(t.Update), d(t.Payment), d(t.Upload),
			d(t.Total), d(t.Connect), d(t.TLSHandshake), d(t.ResponseHeader), t.MinFit},
		Retry:            retryYAML{r.MaxAttempts, d(r.BaseDelay), r.Multiplier, d(r.MaxDelay), d(r.MaxRetryAfter)},
		Breaker:          breakerYAML{b.Enabled, b.ConsecutiveFailures, b.FailureRatio, b.MinRequests, d(b.Window), b.Buckets, d(b.OpenTimeout), b.HalfOpenProbes, b.WaitForProbe},
		RateLimit:        rateLimitYAML{rl.Enabled, rl.Rate, rl.Burst, rl.BackoffFactor, rl.MinRate, d(rl.Recovery), rl.FollowQuota},
		Budget:           budgetYAML{p.Budget.Enabled, p.Budget.Ratio, p.Budget.MinPerSecond, d(p.Budget.Window)},
		Bulkhead:         bulkheadYAML{p.Bulkhead.Enabled, p.Bulkhead.MaxInFlight, d(p.Bulkhead.MaxWait)},
		Idempotency:      p.Idempotency,
		StaleCache:       staleCacheYAML{p.StaleCache.Enabled, d(p.StaleCache.MaxAge), p.StaleCache.MaxEntries},
		MaxResponseBytes: p.MaxResponseBytes,
	}
}

func (m policyYAML) policy() Policy {
	t, r, b, rl := m.Timeouts, m.Retry, m.Breaker, m.RateLimit
	return Policy{
		Timeouts: Timeouts{t.Read.D(), t.Create.D(), t.Update.D(), t.Payment.D(), t.Upload.D(),
			t.Total.D(), t.Connect.D(), t.TLSHandshake.D(), t.ResponseHeader.D(), t.MinFit},
		Retry:            RetryPolicy{r.MaxAttempts, r.BaseDelay.D(), r.Multiplier, r.MaxDelay.D(), r.MaxRetryAfter.D()},
		Breaker:          BreakerPolicy{b.Enabled, b.ConsecutiveFailures, b.FailureRatio, b.MinRequests, b.Window.D(), b.Buckets, b.OpenTimeout.D(), b.HalfOpenProbes, b.WaitForProbe},
		RateLimit:        RateLimitPolicy{rl.Enabled, rl.Rate, rl.Burst, rl.BackoffFactor, rl.MinRate, rl.Recovery.D(), rl.FollowQuota},
		Budget:           BudgetPolicy{m.Budget.Enabled, m.Budget.Ratio, m.Budget.MinPerSecond, m.Budget.Window.D()},
		Bulkhead:         BulkheadPolicy{m.Bulkhead.Enabled, m.Bulkhead.MaxInFlight, m.Bulkhead.MaxWait.D()},
		Idempotency:      m.Idempotency,
		StaleCache:       StaleCachePolicy{m.StaleCache.Enabled, m.StaleCache.MaxAge.D(), m.StaleCache.MaxEntries},
		MaxResponseBytes: m.MaxResponseBytes,
	}
}
