package scenarios

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/report"
)

func TestLibraryShape(t *testing.T) {
	lib, err := Library()
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(lib), 30, "the library promises at least 30 scenarios")

	names := map[string]bool{}
	used := map[string]bool{}
	for _, sc := range lib {
		assert.False(t, names[sc.Name], "two scenarios are named %q", sc.Name)
		names[sc.Name] = true
		assert.NotEmpty(t, sc.Description, "%s: describe what the scenario models", sc.Name)
		var stages []string
		for _, tag := range sc.Tags {
			assert.Contains(t, Tags, tag, "%s: tag %q is not in the vocabulary", sc.Name, tag)
			if slices.Contains(report.Stages(), tag) {
				stages = append(stages, tag)
			}
		}
		assert.Len(t, stages, 1, "%s: carry exactly one maturity stage (light, full, complete), got %v", sc.Name, stages)
		if !slices.Contains(sc.Tags, "webhook") {
			// Low, so a hanging client does not stall the suite; 20s at
			// most, so a client with a 1s base delay and four doubling
			// retries (1+2+4+8s, go-retryablehttp's defaults) can finish.
			assert.LessOrEqual(t, sc.Timeout, 20*time.Second, "%s: keep the scenario timeout low so a hanging client does not stall the suite", sc.Name)
		}
		for _, c := range sc.Checks {
			used[c.Name()] = true
		}
	}
	for _, name := range CheckNames() {
		assert.True(t, used[name], "no built-in scenario uses the %s check", name)
	}
}

// verdicts is, for one bad client and one scenario, the checks expected to
// fail; every other check must pass, except fallback_used, which is
// skipped for external clients. timing lists checks whose verdict for
// this client depends on loopback scheduling and may go either way.
type verdicts struct {
	naive, reckless []string
	timing          []string
}

// The test clients under internal/testclients: naive (no timeout, no retry,
// no idempotency key, no X-Request-Id) and reckless (retries every failure
// at once up to 5 times, ignores Retry-After, no idempotency key, 2 s
// timeout). Neither sends X-Request-Id, so the upstream groups all their
// requests to one method and path as one logical call: with count > 1 an
// attempts check sees the calls as retries, which is how the upstream sees
// such a client.
//
// timing: with backoff's min at 1ms (until it becomes base_delay), an
// immediate sequential retry on loopback usually comes sooner than 1ms but
// not always, so those verdicts are not asserted.
var expectedFailures = map[string]verdicts{
	"429-on-every-request-backs-off": {naive: []string{"backoff"}, reckless: []string{"backoff"}},
	// bad-day: how many of the reckless client's calls meet the outage
	// and the closed rate-limit window (where it retries at once 5 times)
	// depends on its pace on the machine: 1.85x at load 5, 1.54-1.59x at
	// load 22-28 beside the rest of the library, against 1.70x (the
	// reference client: 1.30-1.46x). retry-storm-stays-under-budget is
	// where the reckless client fails amplification_below whatever the load.
	"bad-day-goodput":                {naive: []string{"goodput"}, reckless: []string{"amplification_below", "goodput"}, timing: []string{"amplification_below", "goodput"}},
	"bulkhead-caps-concurrency":      {naive: []string{"concurrency_below"}, reckless: []string{"concurrency_below"}},
	"connection-closed-mid-response": {naive: []string{"attempts", "outcome"}},
	"connection-refused":             {reckless: []string{"backoff"}},
	// The contract-* scenarios judge tolerance to what providers ship
	// without notice (a new enum value, an added field, a null, a removed
	// deprecated field); naive and reckless are tolerant readers, so they
	// pass. The strict test client (an SDK decoding strictly) fails each,
	// and with -stringify fails requests_conform
	// (TestContractScenariosCatchBrittleClients).
	"contract-added-field":             {},
	"contract-deprecated-gone":         {},
	"contract-null-nullable":           {},
	"contract-unlisted-enum":           {},
	"empty-200-body":                   {naive: []string{"error_mentions", "outcome"}, reckless: []string{"error_mentions", "outcome"}},
	"fallback-during-outage":           {naive: []string{"outcome"}, reckless: []string{"outcome"}},
	"first-503s-then-ok":               {naive: []string{"attempts", "backoff", "outcome"}, reckless: []string{"attempts", "backoff"}},
	"five-second-delay-timeout-fires":  {naive: []string{"max_duration", "outcome", "timeout_respected"}, reckless: []string{"max_duration", "outcome", "timeout_respected"}},
	"flapping-upstream":                {naive: []string{"attempts", "outcome"}, reckless: []string{"attempts", "outcome"}},
	"garbage-instead-of-http":          {naive: []string{"attempts", "outcome"}},
	"hanging-upstream-times-out":       {naive: []string{"outcome", "timeout_respected"}, reckless: []string{"outcome", "timeout_respected"}},
	"healthy-upstream-baseline":        {},
	"maintenance-503-retry-after":      {naive: []string{"attempts", "outcome", "retry_after_honoured"}, reckless: []string{"retry_after_honoured"}},
	"no-retry-on-400":                  {reckless: []string{"attempts", "no_retry_on"}},
	"no-retry-on-401":                  {reckless: []string{"attempts", "no_retry_on"}},
	"no-retry-on-403":                  {reckless: []string{"attempts", "no_retry_on"}},
	"no-retry-on-404":                  {reckless: []string{"attempts", "no_retry_on"}},
	"no-retry-on-422":                  {reckless: []string{"attempts", "no_retry_on"}},
	"outage-opens-the-breaker":         {naive: []string{"circuit_opens"}, reckless: []string{"circuit_opens"}},
	"post-retried-with-same-key":       {naive: []string{"idempotency_key_stable", "outcome"}, reckless: []string{"idempotency_key_stable"}},
	"random-500s-are-retried":          {naive: []string{"outcome"}},
	"reset-after-charge":               {naive: []string{"idempotency_key_stable", "outcome"}, reckless: []string{"idempotency_key_stable", "no_duplicate_effects"}},
	"retry-after-absurd-fails-fast":    {naive: []string{"error_mentions"}, reckless: []string{"attempts", "error_mentions"}},
	"retry-after-http-date-honoured":   {naive: []string{"outcome", "retry_after_honoured"}, reckless: []string{"retry_after_honoured"}},
	"retry-after-seconds-honoured":     {naive: []string{"outcome", "retry_after_honoured"}, reckless: []string{"attempts", "retry_after_honoured"}},
	"retry-storm-stays-under-budget":   {reckless: []string{"amplification_below"}},
	"schema-drift-changed-type":        {naive: []string{"error_mentions", "outcome"}, reckless: []string{"error_mentions", "outcome"}},
	"schema-drift-missing-field":       {naive: []string{"error_mentions", "outcome"}, reckless: []string{"error_mentions", "outcome"}},
	"schema-drift-null-field":          {naive: []string{"error_mentions", "outcome"}, reckless: []string{"error_mentions", "outcome"}},
	"slow-body-times-out":              {naive: []string{"outcome", "timeout_respected"}, reckless: []string{"outcome", "timeout_respected"}},
	"stale-cache-during-outage":        {naive: []string{"outcome"}, reckless: []string{"outcome"}},
	"stays-under-rate-limit":           {naive: []string{"attempts", "outcome", "rate_below"}, reckless: []string{"attempts", "outcome", "rate_below"}},
	"tail-latency-bounded-by-timeouts": {naive: []string{"latency"}, reckless: []string{"latency"}},
	"timeout-that-succeeded":           {naive: []string{"attempts", "idempotency_key_stable", "outcome"}, reckless: []string{"idempotency_key_stable", "no_duplicate_effects"}},
	"truncated-json-is-a-clear-error":  {naive: []string{"error_mentions", "outcome"}, reckless: []string{"error_mentions", "outcome"}},
}

// TestLibraryDiscriminates runs the whole library against the naive and
// the reckless test clients and checks that exactly the expected checks
// fail: the gate tells a careless integration from a resilient one (the
// reference client passing everything is TestLibraryRunsGreenWithReferenceClient).
func TestLibraryDiscriminates(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the test clients and runs the library twice")
	}
	all, err := Library()
	require.NoError(t, err)
	var lib []*Scenario
	for _, sc := range all {
		if slices.Contains(sc.Tags, "webhook") {
			continue // webhook scenarios judge a receiver, which the exec contract does not cover
		}
		_, ok := expectedFailures[sc.Name]
		assert.True(t, ok, "%s: add the scenario to expectedFailures", sc.Name)
		lib = append(lib, sc)
	}
	for _, client := range []string{"naive", "reckless"} {
		t.Run(client, func(t *testing.T) {
			bin := buildClient(t, client)
			run, err := Run(context.Background(), lib, Options{Exec: []string{bin}, Parallel: runtime.NumCPU() * 2, Seed: 1})
			require.NoError(t, err)
			t.Logf("%s: the library took %s", client, run.Duration.Round(time.Millisecond))
			for _, sc := range run.Scenarios {
				want, ok := expectedFailures[sc.Name]
				if !ok {
					continue
				}
				expected := want.naive
				if client == "reckless" {
					expected = want.reckless
				}
				got := []string{}
				for _, c := range sc.Checks {
					switch {
					case c.Name == "fallback_used":
						assert.Equal(t, report.Skipped, c.Status, "%s: fallback_used cannot see an external client's fallbacks", sc.Name)
					case slices.Contains(want.timing, c.Name):
					case c.Status == report.Failed:
						got = append(got, c.Name)
					default:
						assert.Equal(t, report.Passed, c.Status, "%s/%s", sc.Name, c.Name)
					}
				}
				expected = slices.DeleteFunc(slices.Clone(expected), func(n string) bool { return slices.Contains(want.timing, n) })
				sort.Strings(got)
				if !assert.Equal(t, sorted(expected), got, "%s: failing checks with the %s client", sc.Name, client) {
					for _, c := range sc.Checks {
						t.Logf("  %s %s: expected %s, observed %s %s %v", c.Status, c.Name, c.Expected, c.Observed, c.Message, c.Evidence)
					}
				}
			}
		})
	}
}

func sorted(xs []string) []string {
	out := append([]string{}, xs...)
	sort.Strings(out)
	return out
}

// buildClient builds one of the test clients under internal/testclients.
func buildClient(t *testing.T, name string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), name)
	cmd := exec.Command("go", "build", "-o", bin, "github.com/faultline-dev/faultline/internal/testclients/"+name)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build %s: %s", name, out)
	return bin
}

// deterministicSubset are fast scenarios whose calls run one at a time, so
// that the upstream's draws and the client's keys come in a fixed order.
// random-500s-are-retried left it when it gained 4 concurrent callers: which
// caller meets which seeded 500 then depends on the scheduler (its verdicts
// are pinned across seeds by TestLibraryRunsGreenWithReferenceClient instead).
var deterministicSubset = []string{
	"connection-closed-mid-response", "connection-refused", "empty-200-body",
	"garbage-instead-of-http", "healthy-upstream-baseline", "no-retry-on-404", "no-retry-on-422",
	"post-retried-with-same-key", "reset-after-charge",
	"retry-after-absurd-fails-fast", "schema-drift-changed-type", "schema-drift-missing-field",
	"schema-drift-null-field", "truncated-json-is-a-clear-error",
}

// TestLibraryDeterministic runs a subset of the library twice with the same
// seed: the verdicts must be the same check by check, and the JSON reports
// the same apart from timing. Timing is: started_at, every duration_ms,
// timeline wait_ms, any duration written inside a string (observed, message,
// evidence: "slowest 12ms", "+3ms", "took 8µs"), and the loopback ports in
// error messages, which the OS picks.
func TestLibraryDeterministic(t *testing.T) {
	lib, err := Library()
	require.NoError(t, err)
	var sub []*Scenario
	for _, sc := range lib {
		if slices.Contains(deterministicSubset, sc.Name) {
			sub = append(sub, sc)
		}
	}
	require.Len(t, sub, len(deterministicSubset))
	var verdicts [2]map[string]report.Status
	var docs [2]string
	for i := range 2 {
		run, err := Run(context.Background(), sub, Options{Seed: 7, Parallel: runtime.NumCPU() * 2})
		require.NoError(t, err)
		verdicts[i] = map[string]report.Status{}
		for _, sc := range run.Scenarios {
			for j, c := range sc.Checks {
				verdicts[i][fmt.Sprintf("%s/%d/%s", sc.Name, j, c.Name)] = c.Status
			}
		}
		var buf bytes.Buffer
		require.NoError(t, report.WriteJSON(&buf, run))
		docs[i] = withoutTiming(t, buf.Bytes())
	}
	assert.Equal(t, verdicts[0], verdicts[1])
	a, b := strings.Split(docs[0], "\n"), strings.Split(docs[1], "\n")
	assert.Len(t, b, len(a), "the JSON reports differ in length")
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			t.Errorf("the JSON reports differ apart from timing, line %d:\n  %s\n  %s", i+1, a[i], b[i])
			break
		}
	}
}

var (
	durationInText = regexp.MustCompile(`(^|[^\w.-])[-+]?\d+(\.\d+)?(ns|µs|us|ms|s|m|h)(\d+(\.\d+)?(ns|µs|us|ms|s|m|h))*\b`)
	loopbackPort   = regexp.MustCompile(`127\.0\.0\.1:\d+`)
)

// withoutTiming re-encodes a JSON report with its timing fields zeroed.
func withoutTiming(t *testing.T, doc []byte) string {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(doc, &v))
	var walk func(key string, v any) any
	walk = func(key string, v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, val := range x {
				x[k] = walk(k, val)
			}
		case []any:
			for i, val := range x {
				x[i] = walk(key, val)
			}
		case string:
			if key == "started_at" {
				return ""
			}
			return loopbackPort.ReplaceAllString(durationInText.ReplaceAllString(x, "${1}<d>"), "127.0.0.1:<port>")
		case float64:
			if key == "duration_ms" || key == "wait_ms" {
				return 0.0
			}
		}
		return v
	}
	out, err := json.MarshalIndent(walk("", v), "", " ")
	require.NoError(t, err)
	return string(out)
}

// TestSchemaCoversFormat keeps scenarios/schema.json in step with the code:
// every registered fault, every check and every tag has its entry.
func TestSchemaCoversFormat(t *testing.T) {
	data, err := os.ReadFile("schema.json")
	require.NoError(t, err)
	var schema struct {
		Schema     string `json:"$schema"`
		Properties struct {
			Tags struct {
				Items struct {
					Enum []string `json:"enum"`
				} `json:"items"`
			} `json:"tags"`
			Checks struct {
				Items struct {
					AnyOf []struct {
						Properties map[string]json.RawMessage `json:"properties"`
					} `json:"anyOf"`
				} `json:"items"`
			} `json:"checks"`
		} `json:"properties"`
		Defs map[string]json.RawMessage `json:"$defs"`
	}
	require.NoError(t, json.Unmarshal(data, &schema))
	assert.Equal(t, "https://json-schema.org/draft/2020-12/schema", schema.Schema)
	assert.ElementsMatch(t, Tags, schema.Properties.Tags.Items.Enum, "tags")
	checks := map[string]bool{}
	for _, alt := range schema.Properties.Checks.Items.AnyOf {
		for name := range alt.Properties {
			checks[name] = true
		}
	}
	for _, name := range CheckNames() {
		assert.True(t, checks[name], "schema.json has no entry for the %s check", name)
	}
	for _, kind := range fault.Kinds() {
		assert.Contains(t, schema.Defs, "fault_"+kind, "schema.json has no entry for the %s fault", kind)
	}
}
