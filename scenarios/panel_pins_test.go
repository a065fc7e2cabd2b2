package scenarios

import "testing"

// Reasons shared by several clients.
const (
	noRetry      = "it does not retry"
	noKey        = "it sends no Idempotency-Key: nothing lets the provider deduplicate a retried POST"
	noKeyNoRetry = "it sends no Idempotency-Key, and does not retry the 503s"
	noBreaker    = "it has no circuit breaker: every call reaches the upstream"
	noBulkhead   = "it has no bulkhead: 12 callers put 12 requests in flight"
	noLimiter    = "it has no client-side rate limiter: 6 calls at once exceed 2 per 100ms"
	noFallback   = "it has no fallback or stale cache: the outage's errors reach the caller"
	noTimeout    = "it has no timeout by default: it waits as long as the upstream"
)

// panel is the real clients; the doc comment of each program under
// internal/testclients/panel (or docs/clients) states the documented
// behaviour the reasons follow from.
var panel = []panelClient{
	{name: "net/http", argv: goPanel("nethttp"), fails: map[string]pinned{
		"bad-day-goodput":                  {[]string{"goodput"}, noRetry + ": every 503 (the busy shard's one in five calls included), 429 and reset is a failed call"},
		"429-on-every-request-backs-off":   {[]string{"backoff"}, noRetry + ", so there is no backoff to judge"},
		"bulkhead-caps-concurrency":        {[]string{"concurrency_below"}, noBulkhead},
		"connection-closed-mid-response":   {[]string{"attempts", "outcome"}, noRetry + ": the cut body is a failed call (Client.Timeout covers the body read, io.ReadAll reports it)"},
		"fallback-during-outage":           {[]string{"outcome"}, noFallback},
		"first-503s-then-ok":               {[]string{"attempts", "backoff", "outcome"}, noRetry},
		"flapping-upstream":                {[]string{"outcome"}, noRetry + ": a call that meets a down period fails"},
		"garbage-instead-of-http":          {[]string{"attempts", "outcome"}, noRetry + " (the Transport resends only on a reused connection closed before any byte)"},
		"maintenance-503-retry-after":      {[]string{"attempts", "outcome", "retry_after_honoured"}, noRetry + ", Retry-After or not"},
		"outage-opens-the-breaker":         {[]string{"circuit_opens"}, noBreaker},
		"post-retried-with-same-key":       {[]string{"idempotency_key_stable", "outcome"}, noKeyNoRetry},
		"random-500s-are-retried":          {[]string{"outcome"}, noRetry + ": a 500 reaches the caller"},
		"reset-after-charge":               {[]string{"idempotency_key_stable", "outcome"}, noKeyNoRetry + " reset"},
		"retry-after-absurd-fails-fast":    {[]string{"error_mentions"}, "it fails with the status alone: net/http does not read Retry-After"},
		"retry-after-http-date-honoured":   {[]string{"outcome", "retry_after_honoured"}, noRetry + " the 429"},
		"retry-after-seconds-honoured":     {[]string{"attempts", "outcome", "retry_after_honoured"}, noRetry + " the 429"},
		"stale-cache-during-outage":        {[]string{"outcome"}, noFallback},
		"stays-under-rate-limit":           {[]string{"outcome", "rate_below"}, noLimiter + ", and the 429 is not retried"},
		"tail-latency-bounded-by-timeouts": {[]string{"outcome"}, "Client.Timeout (2s) ends a 3s stall with an error, which is not retried"},
		"timeout-that-succeeded":           {[]string{"attempts", "idempotency_key_stable", "outcome"}, noKeyNoRetry + " lost response"},
	}},
	{name: "go-retryablehttp", argv: goPanel("retryablehttp"), fails: map[string]pinned{
		"bad-day-goodput":                  {[]string{"no_duplicate_effects"}, "it retries every 503, 429 and reset 1, 2, 4, 8s apart, so its calls get through within the 20s; but it retries the refund reset after its effect without an Idempotency-Key, so it is applied twice"},
		"429-on-every-request-backs-off":   {[]string{"backoff"}, "DefaultBackoff has no jitter: ten callers retry in lockstep"},
		"bulkhead-caps-concurrency":        {[]string{"concurrency_below"}, noBulkhead},
		"connection-closed-mid-response":   {[]string{"attempts", "outcome"}, "it decides on the status line: a body cut after it is the caller's error, not retried"},
		"fallback-during-outage":           {[]string{"outcome"}, noFallback},
		"first-503s-then-ok":               {[]string{"backoff"}, "DefaultBackoff has no jitter: 16 callers retry in lockstep"},
		"five-second-delay-timeout-fires":  {[]string{"max_duration", "outcome", "timeout_respected"}, noTimeout + " (cleanhttp's client), so it gets the 200 after 5s"},
		"hanging-upstream-times-out":       {[]string{"outcome", "timeout_respected"}, noTimeout + " (cleanhttp's client)"},
		"outage-opens-the-breaker":         {[]string{"circuit_opens"}, noBreaker},
		"post-retried-with-same-key":       {[]string{"idempotency_key_stable"}, noKey},
		"reset-after-charge":               {[]string{"idempotency_key_stable", "no_duplicate_effects"}, "it retries a reset POST (its body can be rewound) without an Idempotency-Key: the refund happens twice"},
		"retry-after-absurd-fails-fast":    {[]string{"error_mentions", "max_duration", "outcome"}, "DefaultBackoff sleeps whatever Retry-After says, with no upper bound: it waits the day"},
		"retry-storm-stays-under-budget":   {[]string{"outcome"}, "no retry budget: 4 retries per call 1-8s apart outlast the scenario"},
		"slow-body-times-out":              {[]string{"outcome", "timeout_respected"}, noTimeout + ": it reads the trickling body to the end"},
		"stale-cache-during-outage":        {[]string{"outcome"}, noFallback},
		"stays-under-rate-limit":           {[]string{"attempts", "rate_below"}, noLimiter + " (it then honours the 429s' Retry-After and succeeds)"},
		"tail-latency-bounded-by-timeouts": {[]string{"latency"}, noTimeout + ": a call waits the 3s stall out"},
		"timeout-that-succeeded":           {[]string{"idempotency_key_stable", "no_duplicate_effects"}, "no timeout: when the held connection closes it retries the POST without a key, and the charge happens twice"},
	}},
	{name: "resty", argv: goPanel("resty"), fails: map[string]pinned{
		"bad-day-goodput":                  {[]string{"goodput", "no_duplicate_effects"}, "it retries transport errors only, never a 503: it loses every call to the busy shard; and it retries the refund reset after its effect without an Idempotency-Key, so it is applied twice"},
		"429-on-every-request-backs-off":   {[]string{"backoff"}, "with no retry condition it retries transport errors only, never a 429"},
		"bulkhead-caps-concurrency":        {[]string{"concurrency_below"}, noBulkhead},
		"fallback-during-outage":           {[]string{"outcome"}, noFallback},
		"first-503s-then-ok":               {[]string{"attempts", "backoff", "outcome"}, "it retries transport errors only, never a 503"},
		"five-second-delay-timeout-fires":  {[]string{"max_duration", "outcome", "timeout_respected"}, noTimeout + ", so it gets the 200 after 5s"},
		"flapping-upstream":                {[]string{"outcome"}, "it does not retry a 503"},
		"hanging-upstream-times-out":       {[]string{"outcome", "timeout_respected"}, noTimeout},
		"maintenance-503-retry-after":      {[]string{"attempts", "outcome", "retry_after_honoured"}, "it does not retry a 503"},
		"outage-opens-the-breaker":         {[]string{"circuit_opens"}, noBreaker},
		"post-retried-with-same-key":       {[]string{"idempotency_key_stable", "outcome"}, noKeyNoRetry},
		"random-500s-are-retried":          {[]string{"outcome"}, "it does not retry a 500"},
		"reset-after-charge":               {[]string{"idempotency_key_stable", "no_duplicate_effects"}, "it retries the reset (a transport error) without an Idempotency-Key: the refund happens twice"},
		"retry-after-absurd-fails-fast":    {[]string{"error_mentions"}, "it fails with the status alone: it reads Retry-After only with a RetryAfter callback"},
		"retry-after-http-date-honoured":   {[]string{"outcome", "retry_after_honoured"}, "it does not retry a 429"},
		"retry-after-seconds-honoured":     {[]string{"attempts", "outcome", "retry_after_honoured"}, "it does not retry a 429"},
		"slow-body-times-out":              {[]string{"outcome", "timeout_respected"}, noTimeout + ": it reads the trickling body to the end"},
		"stale-cache-during-outage":        {[]string{"outcome"}, noFallback},
		"stays-under-rate-limit":           {[]string{"outcome", "rate_below"}, noLimiter + ", and the 429 is not retried"},
		"tail-latency-bounded-by-timeouts": {[]string{"latency"}, noTimeout + ": a call waits the 3s stall out"},
		"timeout-that-succeeded":           {[]string{"idempotency_key_stable", "no_duplicate_effects"}, "no timeout: when the held connection closes it retries the POST (a transport error) without a key, and the charge happens twice"},
	}},
	{name: "python-urllib", argv: func(t *testing.T, _ string) []string {
		return []string{interpreter(t, "python3", "-c", "import sys; print(sys.executable)"), docsClient("python_client.py")}
	}, fails: map[string]pinned{
		"bulkhead-caps-concurrency":      {[]string{"concurrency_below"}, noBulkhead},
		"fallback-during-outage":         {[]string{"outcome"}, noFallback},
		"outage-opens-the-breaker":       {[]string{"circuit_opens"}, noBreaker},
		"retry-storm-stays-under-budget": {[]string{"amplification_below", "outcome"}, "no retry budget: 4 retries per call multiply the outage, and 50 calls of 3s outlast the scenario"},
		"stale-cache-during-outage":      {[]string{"outcome"}, noFallback},
		"stays-under-rate-limit":         {[]string{"attempts", "rate_below"}, noLimiter + " (it then honours the 429s' Retry-After and succeeds)"},
	}},
	{name: "curl", argv: func(t *testing.T, bins string) []string {
		interpreter(t, "curl")
		return goPanel("curl")(t, bins)
	}, only: curlScenarios, fails: map[string]pinned{
		"connection-closed-mid-response":  {[]string{"attempts", "outcome"}, "--retry does not retry a transfer cut short (error 18), only timeouts and 408/429/5xx"},
		"five-second-delay-timeout-fires": {[]string{"max_duration", "outcome", "timeout_respected"}, noTimeout + ", so it gets the 200 after 5s"},
		"garbage-instead-of-http":         {[]string{"attempts", "outcome"}, "--retry does not retry a malformed response (error 1/8), only timeouts and 408/429/5xx"},
		"hanging-upstream-times-out":      {[]string{"outcome", "timeout_respected"}, noTimeout},
		"retry-after-absurd-fails-fast":   {[]string{"error_mentions", "max_duration", "outcome"}, "--retry waits what Retry-After says: it sleeps into the day"},
		"slow-body-times-out":             {[]string{"outcome", "timeout_respected"}, noTimeout + ": it reads the trickling body to the end"},
		"timeout-that-succeeded":          {[]string{"attempts", "idempotency_key_stable", "outcome"}, noTimeout + " and no key: the held connection closes with error 52, which --retry does not retry"},
	}},
}

// curlScenarios are those of a single call: the curl client starts a
// process per call, and on a loaded machine a second process can start
// seconds after the first: such a scenario would judge process start-up,
// not curl.
var curlScenarios = []string{
	"connection-closed-mid-response", "connection-refused", "empty-200-body", "five-second-delay-timeout-fires",
	"garbage-instead-of-http", "hanging-upstream-times-out", "healthy-upstream-baseline", "maintenance-503-retry-after",
	"no-retry-on-400", "no-retry-on-401", "no-retry-on-403", "no-retry-on-404", "no-retry-on-422",
	"retry-after-absurd-fails-fast", "schema-drift-changed-type", "schema-drift-missing-field", "schema-drift-null-field",
	"slow-body-times-out", "timeout-that-succeeded", "truncated-json-is-a-clear-error",
}
