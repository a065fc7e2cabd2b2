package resilience

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dev/faultline/internal/yamlx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

func TestDefaultPolicyIsValid(t *testing.T) {
	p := DefaultPolicy()
	require.NoError(t, p.Validate())
	assert.Equal(t, 0.2, p.Budget.Ratio)
	assert.Equal(t, 10.0, p.Budget.MinPerSecond)
	assert.True(t, p.Breaker.Enabled && p.RateLimit.Enabled && p.Budget.Enabled && p.Bulkhead.Enabled && p.StaleCache.Enabled)
}

func TestLoadPolicyOverridesOnlyPresentKeys(t *testing.T) {
	src := `
retry:
  max_attempts: 2
  base_delay: 50ms
breaker:
  enabled: false
timeouts:
  read: 1.5s
  total: 20s
budget: {ratio: 0.3, window: 5s}
`
	p, err := LoadPolicy("policy.yaml", []byte(src))
	require.NoError(t, err)
	want := DefaultPolicy()
	want.Retry.MaxAttempts, want.Retry.BaseDelay = 2, 50*time.Millisecond
	want.Breaker.Enabled = false
	want.Timeouts.Read, want.Timeouts.Total = 1500*time.Millisecond, 20*time.Second
	want.Budget.Ratio, want.Budget.Window = 0.3, 5*time.Second
	assert.Equal(t, want, p)
}

func TestPolicyFromYAMLKeepsBase(t *testing.T) {
	base := DefaultPolicy()
	base.Retry.MaxAttempts = 7
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte("scenario: x\nclient:\n  bulkhead:\n    max_in_flight: 3\n"), &doc))
	node := doc.Content[0].Content[3]
	p, err := PolicyFromYAML(node, base)
	require.NoError(t, err)
	assert.Equal(t, 7, p.Retry.MaxAttempts, "keys absent from the node keep the base's value")
	assert.Equal(t, 3, p.Bulkhead.MaxInFlight)
	assert.Equal(t, DefaultPolicy().Bulkhead.MaxWait, p.Bulkhead.MaxWait)

	same, err := PolicyFromYAML(nil, base)
	require.NoError(t, err)
	assert.Equal(t, base, same)
}

func TestPolicyYAMLErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"retry:\n  max_atempts: 3\n", `p.yaml:2:3: retry: unknown key "max_atempts" (did you mean "max_attempts"?)`},
		{"retri: {}\n", `p.yaml:1:1: unknown key "retri" (did you mean "retry"?)`},
		{"retry:\n  max_attempts: many\n", `p.yaml:2:17: retry.max_attempts: "many" is a string, expected a whole number`},
		{"retry:\n  base_delay: -1s\n", `p.yaml:2:15: retry.base_delay: duration -1s is negative`},
		{"timeouts:\n  read: soon\n", `p.yaml:2:9: timeouts.read: "soon" is not a duration`},
		{"breaker:\n  failure_ratio: 1.5\n", `p.yaml:2:18: breaker.failure_ratio: must be between 0 and 1`},
		{"budget:\n  ratio: 11\n", `p.yaml:2:10: budget.ratio: must be between 0 and 10 (retries per call)`},
		{"retry:\n  max_attempts: 0\n", `p.yaml:2:17: retry.max_attempts: must be at least 1`},
		{"retry:\n  max_delay: 10ms\n", `p.yaml:2:14: retry.max_delay: must be at least retry.base_delay`},
		{"bulkhead:\n  max_in_flight: -2\n", `p.yaml:2:18: bulkhead.max_in_flight: must be at least 1`},
		{"rate_limit:\n  rate: 0.5\n", "p.yaml:2:9: rate_limit.min_rate: must be positive and at most rate_limit.rate"},
		{"- a\n", `p.yaml:1:1: expected a YAML mapping at the top level`},
	}
	for _, c := range cases {
		_, err := LoadPolicy("p.yaml", []byte(c.src))
		require.Error(t, err, c.src)
		assert.Contains(t, err.Error(), c.want)
		assert.True(t, errors.Is(err, yamlx.ErrInvalid), "%v", err)
	}
	_, err := LoadPolicy("p.yaml", []byte("rate_limit:\n  rate: 5\n"))
	require.NoError(t, err, "counterpart: a rate above min_rate is valid")
}

func TestPolicyFromYAMLErrorsCarryPositions(t *testing.T) {
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte("name: s\nclient:\n  retry:\n    multiplier: 0.5\n"), &doc))
	_, err := PolicyFromYAML(doc.Content[0].Content[3], DefaultPolicy())
	var ye *yamlx.Error
	require.ErrorAs(t, err, &ye)
	ye.File = "scenario.yaml"
	assert.Equal(t, "scenario.yaml:4:17: retry.multiplier: must be at least 1", ye.Error())

	require.NoError(t, yaml.Unmarshal([]byte("client: [1, 2]\n"), &doc))
	_, err = PolicyFromYAML(doc.Content[0].Content[1], DefaultPolicy())
	require.ErrorContains(t, err, "1:9: resilience policy: expected a mapping")
}

func TestValidateAndNormalize(t *testing.T) {
	p := DefaultPolicy()
	p.Retry.MaxAttempts = 0
	p.Breaker.FailureRatio = 3
	p.Timeouts.Read = -time.Second
	require.ErrorIs(t, p.Validate(), ErrInvalidPolicy)
	assert.ErrorContains(t, p.Validate(), "timeouts.read: must be positive")
	n := p.normalized()
	require.NoError(t, n.Validate())
	assert.Equal(t, 1, n.Retry.MaxAttempts)
	assert.Equal(t, DefaultPolicy().Breaker.FailureRatio, n.Breaker.FailureRatio)
	assert.Equal(t, 5*time.Second, n.Timeouts.Read)

	var zero Policy
	require.NoError(t, zero.normalized().Validate(), "New accepts even the zero Policy")
}

func FuzzLoadPolicy(f *testing.F) {
	f.Add([]byte("retry:\n  max_attempts: 2\n"))
	f.Add([]byte("breaker: {failure_ratio: 0.5, open_timeout: 1s}\n"))
	f.Add([]byte("timeouts: [1]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := LoadPolicy("f.yaml", data)
		if err == nil {
			if verr := p.Validate(); verr != nil {
				t.Fatalf("LoadPolicy accepted an invalid policy: %v", verr)
			}
			return
		}
		if !errors.Is(err, yamlx.ErrInvalid) {
			t.Fatalf("error is not a configuration error: %v", err)
		}
	})
}

// The defaults printed in the package documentation are the defaults.
func TestDocumentedDefaults(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	var block []string
	started := false
	for line := range strings.SplitSeq(string(src), "\n") {
		if strings.Contains(line, "The defaults, as YAML:") {
			started = true
			continue
		}
		if after, ok := strings.CutPrefix(line, "//\t"); started && ok {
			block = append(block, after)
		} else if started && len(block) > 0 {
			break
		}
	}
	require.NotEmpty(t, block)
	p, err := LoadPolicy("doc.go", []byte(strings.Join(block, "\n")))
	require.NoError(t, err)
	assert.Equal(t, DefaultPolicy(), p)
}
