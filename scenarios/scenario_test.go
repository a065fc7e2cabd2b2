package scenarios

import (
	"errors"
	"github.com/faultline-dev/faultline/fault"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLoadErrors loads every file in testdata/load/broken. Each starts with
// a comment "# want: LINE:COL: TEXT" (one per problem, when it has several):
// the error's lines must be at those positions in that file, in that order,
// and contain TEXT; every line names the file; the error wraps
// fault.ErrInvalid.
func TestLoadErrors(t *testing.T) {
	files, err := filepath.Glob("testdata/load/broken/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			var wants []string
			for _, l := range strings.Split(string(data), "\n") {
				if want, ok := strings.CutPrefix(l, "# want: "); ok {
					wants = append(wants, want)
				}
			}
			require.True(t, strings.HasPrefix(string(data), "# want: "), "the file must start with # want: LINE:COL: TEXT")

			sc, err := LoadFile(file)
			require.Error(t, err)
			assert.Nil(t, sc)
			assert.True(t, errors.Is(err, fault.ErrInvalid), "errors.Is(err, fault.ErrInvalid): %v", err)
			lines := strings.Split(err.Error(), "\n")
			require.GreaterOrEqual(t, len(lines), len(wants), "%d problems wanted, got: %v", len(wants), err)
			for i, want := range wants {
				pos, text, _ := strings.Cut(want, " ")
				assert.True(t, strings.HasPrefix(lines[i], file+":"+pos+" "), "want the error at %s:%s, got %s", file, pos, lines[i])
				assert.Contains(t, lines[i], text)
			}
			for _, l := range lines {
				assert.True(t, strings.HasPrefix(l, file+":"), "every line names the file: %q", l)
			}
		})
	}
}

func TestLoadErrorsWithoutPosition(t *testing.T) {
	for name, src := range map[string]string{
		"empty file":    "",
		"only comments": "# a scenario, some day\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Load("empty.yaml", []byte(src))
			require.Error(t, err)
			assert.ErrorIs(t, err, fault.ErrInvalid)
			assert.Equal(t, "empty.yaml: empty file: expected a YAML mapping", err.Error())
		})
	}
	_, err := LoadFile("testdata/load/no-such-file.yaml")
	require.Error(t, err)
	assert.ErrorIs(t, err, fault.ErrInvalid)
	assert.Contains(t, err.Error(), "testdata/load/no-such-file.yaml")
}

const fullScenario = `version: 1
name: orders-retry
description: the upstream fails twice
tags: [retry, full]
seed: 42
timeout: 4s
upstream:
  seed: 7
  routes:
    - method: post
      path: /v1/orders
      respond: {status: 201, json: {id: ord_1}}
      faults:
        - when: {first: 2}
          status: {code: 503}
client:
  reference:
    policy:
      retry: {max_attempts: 5, base_delay: 20ms}
    fallback: {body: cached}
  exec:
    command: [./client, --fast]
    timeout: 2s
    env: {MODE: strict}
  calls:
    - {method: post, path: /v1/orders, json: {amount: 12}, kind: payment, count: 3, concurrency: 2, pace: 10ms, timeout: 1s, expect: {id: string}}
    - {path: /v1/orders/ord_1, headers: {X-Trace: "1"}}
checks:
  - outcome
  - attempts: 3
  - backoff: {min: 10ms, jitter: false}
`

// TestLoadDecodesEveryField: a valid file becomes typed values, with
// defaults filled in.
func TestLoadDecodesEveryField(t *testing.T) {
	sc, err := Load("full.yaml", []byte(strings.Replace(fullScenario, "  - outcome\n", "  - outcome: success\n", 1)))
	require.NoError(t, err)
	assert.Equal(t, "orders-retry", sc.Name)
	assert.Equal(t, "the upstream fails twice", sc.Description)
	assert.Equal(t, []string{"retry", "full"}, sc.Tags)
	assert.Equal(t, "full.yaml", sc.File)
	assert.Equal(t, int64(42), sc.Seed)
	assert.Equal(t, 4*time.Second, sc.Timeout)

	require.Len(t, sc.Plan.Routes, 1)
	assert.Equal(t, int64(7), sc.Plan.Seed)
	assert.Equal(t, "POST", sc.Plan.Routes[0].Match.Method)
	assert.Len(t, sc.Plan.Routes[0].Rules, 1)

	require.Len(t, sc.Client.Calls, 2)
	c := sc.Client.Calls[0]
	assert.Equal(t, Call{Method: "POST", Path: "/v1/orders", Headers: map[string]string{"Content-Type": "application/json"},
		Body: `{"amount":12}`, Kind: "payment", Count: 3, Concurrency: 2, Pace: 10 * time.Millisecond, Timeout: time.Second,
		Expect: map[string]string{"id": "string"}}, c)
	assert.Equal(t, Call{Method: "GET", Path: "/v1/orders/ord_1", Headers: map[string]string{"X-Trace": "1"}, Count: 1, Concurrency: 1},
		sc.Client.Calls[1], "method GET, count and concurrency 1 by default")

	require.NotNil(t, sc.Client.Reference)
	assert.Equal(t, 5, sc.Client.Reference.Policy.Retry.MaxAttempts)
	assert.Equal(t, 20*time.Millisecond, sc.Client.Reference.Policy.Retry.BaseDelay)
	require.NotNil(t, sc.Client.Reference.Fallback)
	assert.Equal(t, 200, sc.Client.Reference.Fallback.Status, "a fallback answers 200 unless told")
	assert.Equal(t, "cached", string(sc.Client.Reference.Fallback.Body))
	assert.Equal(t, &Exec{Command: []string{"./client", "--fast"}, Timeout: 2 * time.Second, Env: map[string]string{"MODE": "strict"}}, sc.Client.Exec)

	var names []string
	for _, c := range sc.Checks {
		names = append(names, c.Name())
	}
	assert.Equal(t, []string{"outcome", "attempts", "backoff"}, names)
}

func TestLoadDefaults(t *testing.T) {
	sc, err := Load("min.yaml", []byte(checkYAML("outcome: success")))
	require.NoError(t, err)
	assert.Equal(t, DefaultTimeout, sc.Timeout)
	assert.Zero(t, sc.Seed)
	assert.Nil(t, sc.Client.Exec)
	require.NotNil(t, sc.Client.Reference, "no exec: the reference client runs")
	assert.Nil(t, sc.Client.Reference.Fallback)

	exec := strings.Replace(checkYAML("outcome: success"), "client:\n", "client:\n  exec: {command: [./c]}\n", 1)
	sc, err = Load("exec.yaml", []byte(exec))
	require.NoError(t, err)
	assert.Nil(t, sc.Client.Reference, "exec only: no reference client")
	assert.Equal(t, []string{"./c"}, sc.Client.Exec.Command)
}

// TestLoadAliases: YAML anchors and aliases decode like the values they
// name, and errors inside them still have a position.
func TestLoadAliases(t *testing.T) {
	sc, err := Load("alias.yaml", []byte(`version: 1
name: aliases
upstream:
  routes: &endpoints
    - path: /v1/a
    - path: /v1/b
client:
  exec:
    command: &tags [retry, light]
  calls: *endpoints
tags: *tags
checks:
  - outcome: success
`))
	require.NoError(t, err)
	assert.Equal(t, []string{"retry", "light"}, sc.Tags)
	require.Len(t, sc.Client.Calls, 2)
	assert.Equal(t, "/v1/b", sc.Client.Calls[1].Path)

	_, err = Load("alias.yaml", []byte(`version: 1
name: aliases
upstream:
  routes:
    - path: /v1/a
client:
  exec:
    command: &tags [retry, lite]
  calls:
    - {path: /v1/a}
tags: *tags
checks:
  - outcome: success
`))
	require.Error(t, err)
	assert.ErrorIs(t, err, fault.ErrInvalid)
	assert.True(t, strings.HasPrefix(err.Error(), `alias.yaml:8:28: tags[1]: "lite" is not a known tag`), err.Error())
}

// TestLoadRefusesAliasAmplification: a scenario whose aliases repeat a
// 100 KB stub body 90 times is refused with its position before anything
// is built.
func TestLoadRefusesAliasAmplification(t *testing.T) {
	src := "version: 1\nname: amp\nbig: &r {path: /big, respond: {body: " + strings.Repeat("x", 100<<10) + "}}\n" +
		"upstream:\n  routes:\n" + strings.Repeat("    - *r\n", 90) + "checks:\n  - outcome: success\n"
	_, err := Load("amp.yaml", []byte(src))
	require.Error(t, err)
	assert.ErrorIs(t, err, fault.ErrInvalid)
	assert.Regexp(t, `^amp\.yaml:\d+:7: YAML aliases expand this document by more than 4 MiB`, err.Error())
}

func TestLoadPaths(t *testing.T) {
	scs, err := LoadPaths([]string{"testdata/load/good", "testdata/load/good/a-retry.yaml"})
	require.NoError(t, err)
	var names []string
	for _, sc := range scs {
		names = append(names, sc.Name)
	}
	assert.Equal(t, []string{"good-retry", "good-timeout"}, names, ".yaml and .yml files of a directory; a file named again runs once")
	assert.Equal(t, filepath.Join("testdata/load/good", "b-timeout.yml"), scs[1].File)

	_, err = LoadPaths([]string{"testdata/load/missing"})
	require.Error(t, err)
	assert.ErrorIs(t, err, fault.ErrInvalid)
	assert.Equal(t, "invalid configuration: testdata/load/missing: no such file or directory", err.Error())

	_, err = LoadPaths([]string{t.TempDir()})
	require.Error(t, err)
	assert.ErrorIs(t, err, fault.ErrInvalid)
	assert.Contains(t, err.Error(), "no .yaml or .yml files in this folder or below")

	_, err = LoadPaths([]string{"testdata/load/good", "testdata/load/broken"})
	require.Error(t, err, "the first invalid file stops the load")
	assert.ErrorIs(t, err, fault.ErrInvalid)
	assert.Contains(t, err.Error(), "testdata/load/broken/")
}

func scenariosTagged(tagged map[string][]string, order ...string) []*Scenario {
	var out []*Scenario
	for _, n := range order {
		out = append(out, &Scenario{Name: n, Tags: tagged[n]})
	}
	return out
}

func scenarioNames(scs []*Scenario) []string {
	out := []string{}
	for _, sc := range scs {
		out = append(out, sc.Name)
	}
	return out
}

func TestSelect(t *testing.T) {
	all := scenariosTagged(map[string][]string{
		"retry-503":        {"retry", "light"},
		"retry-after-429":  {"retry", "retry-after", "full"},
		"timeout-hang":     {"timeout", "light"},
		"breaker-outage":   {"circuit-breaker", "outage", "full"},
		"retry-storm-full": {"retry", "full"},
	}, "retry-503", "retry-after-429", "timeout-hang", "breaker-outage", "retry-storm-full")
	for _, tc := range []struct {
		only string
		tags []string
		want []string
	}{
		{"", nil, []string{"retry-503", "retry-after-429", "timeout-hang", "breaker-outage", "retry-storm-full"}},
		{"retry-*", nil, []string{"retry-503", "retry-after-429", "retry-storm-full"}},
		{"timeout-hang", nil, []string{"timeout-hang"}},
		{"*-5??", nil, []string{"retry-503"}},
		{"", []string{"light"}, []string{"retry-503", "timeout-hang"}},
		{"", []string{"retry", "full"}, []string{"retry-after-429", "retry-storm-full"}},
		{"retry-*", []string{"light"}, []string{"retry-503"}},
		{"", []string{""}, []string{"retry-503", "retry-after-429", "timeout-hang", "breaker-outage", "retry-storm-full"}},
		{"nothing-*", nil, []string{}},
		{"", []string{"webhook"}, []string{}},
	} {
		got, err := Select(all, tc.only, tc.tags)
		require.NoError(t, err)
		assert.Equal(t, tc.want, scenarioNames(got), "only %q tags %v", tc.only, tc.tags)
	}
	_, err := Select(all, "retry-[", nil)
	require.Error(t, err)
	assert.ErrorIs(t, err, fault.ErrInvalid)
	assert.Contains(t, err.Error(), `Only "retry-["`, "the library names its own field, not a flag")
}

func TestShardCoversEveryScenarioOnce(t *testing.T) {
	var all []*Scenario
	for _, n := range strings.Fields("a b c d e f g h i j k") {
		all = append(all, &Scenario{Name: n})
	}
	for n := 1; n <= 13; n++ {
		seen := map[string]int{}
		for i := 1; i <= n; i++ {
			part := Shard(all, i, n)
			assert.LessOrEqual(t, len(part), (len(all)+n-1)/n, "shard %d/%d is balanced", i, n)
			assert.GreaterOrEqual(t, len(part), len(all)/n, "shard %d/%d is balanced", i, n)
			for k := 1; k < len(part); k++ {
				assert.Less(t, part[k-1].Name, part[k].Name, "shard %d/%d keeps the order", i, n)
			}
			for _, sc := range part {
				seen[sc.Name]++
			}
		}
		for _, sc := range all {
			assert.Equal(t, 1, seen[sc.Name], "%s in %d shards of %d", sc.Name, seen[sc.Name], n)
		}
	}
	assert.Equal(t, []string{"a", "d", "g", "j"}, scenarioNames(Shard(all, 1, 3)))
	assert.Equal(t, []string{"c", "f", "i"}, scenarioNames(Shard(all, 3, 3)))
}

func TestSeedFor(t *testing.T) {
	own := &Scenario{Name: "a", Seed: 99}
	assert.Equal(t, int64(99), SeedFor(own, 1))
	assert.Equal(t, int64(99), SeedFor(own, 2), "the file's seed wins over the run's")

	a, b := &Scenario{Name: "a"}, &Scenario{Name: "b"}
	assert.Equal(t, SeedFor(a, 1), SeedFor(&Scenario{Name: "a"}, 1), "stable")
	assert.NotEqual(t, SeedFor(a, 1), SeedFor(b, 1), "scenarios do not share draws")
	assert.NotEqual(t, SeedFor(a, 1), SeedFor(a, 2), "another run seed, other draws")
	seeds := map[int64]bool{}
	for run := int64(-3); run < 50; run++ {
		s := SeedFor(a, run)
		assert.Positive(t, s, "0 would mean: derive a seed")
		seeds[s] = true
	}
	assert.Len(t, seeds, 53, "every run seed derives its own")
	assert.Equal(t, SeedFor(a, 7), SeedFor(&Scenario{Name: "a", Tags: []string{"retry"}, Timeout: time.Second}, 7), "only the name counts")
	// pinned: a change to the derivation would change what a published
	// `faultline run --seed 1` reproduces
	assert.Equal(t, int64(5112683050814313961), SeedFor(&Scenario{Name: "first-503s-then-ok"}, 1))
}
