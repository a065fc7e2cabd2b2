package scenarios

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pb33f/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/faultline-dev/faultline/internal/yamlx"
)

// TestSchemaAgreesWithValidate runs a corpus of scenario files through
// both judges of the format, schema.json (evaluated by a JSON Schema
// 2020-12 validator, as an editor would) and Load (what `faultline
// validate` runs), and fails where one accepts what the other refuses.
func TestSchemaAgreesWithValidate(t *testing.T) {
	schema := compileSchema(t)
	for name, data := range schemaCorpus(t) {
		var doc any
		if err := yaml.Unmarshal(data, &doc); err != nil {
			continue // not YAML: neither judge gets to see it
		}
		_, loadErr := Load(name, data)
		schemaErr := schema.Validate(jsonValue(t, doc))
		agree := (loadErr == nil) == (schemaErr == nil)
		if why, listed := disagreements[name]; listed {
			assert.False(t, agree, "%s is listed as a disagreement (%s) but both judges now say %s: take it off the list", name, why, orOK(loadErr))
			continue
		}
		if !agree {
			assert.Failf(t, "schema.json and validate disagree", "%s:\n  validate: %v\n  schema.json: %v", name, orOK(loadErr), orOK(schemaErr))
		}
	}
}

// disagreements are the files where the two judges differ, each with the
// reason; the test fails when one of them stops differing.
var disagreements = map[string]string{
	// JSON Schema compares a value with constants, never with another value.
	"testdata/load/broken/bad-check-value.yaml": "attempts {min: 4, max: 2}: min <= max relates two fields",
	"snippet attempts min above max":            "attempts {min: 4, max: 2}: min <= max relates two fields",
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("schema.json")
	require.NoError(t, err)
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource("schema.json", doc))
	s, err := c.Compile("schema.json")
	require.NoError(t, err)
	return s
}

// jsonValue is a decoded YAML document as the JSON an editor's schema
// check sees.
func jsonValue(t *testing.T, doc any) any {
	t.Helper()
	data, err := json.Marshal(yamlx.JSONable(doc))
	require.NoError(t, err)
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	require.NoError(t, err)
	return v
}

func orOK(err error) string {
	if err == nil {
		return "accepted"
	}
	return strings.ReplaceAll(err.Error(), "\n", " ")
}

// schemaCorpus is every scenario file of the repository (the library, the
// load fixtures good and broken) plus the snippets below.
func schemaCorpus(t *testing.T) map[string][]byte {
	t.Helper()
	corpus := map[string][]byte{}
	for _, glob := range []string{"library/*.yaml", "testdata/load/good/*.y*ml", "testdata/load/broken/*.yaml"} {
		files, err := filepath.Glob(glob)
		require.NoError(t, err)
		for _, f := range files {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			corpus[f] = data
		}
	}
	for name, edit := range schemaSnippets {
		require.Contains(t, snippetBase, edit[0], "snippet %s", name)
		corpus["snippet "+name] = []byte(strings.Replace(snippetBase, edit[0], edit[1], 1))
	}
	return corpus
}

const snippetBase = `version: 1
name: base
tags: [retry, light]
seed: 7
timeout: 5s
upstream:
  routes:
    - name: charges
      method: GET
      path: /v1/charges
      headers: {X-Tenant: a}
      respond: {status: 200, headers: {X-Served: stub}, json: {id: ch_1}}
      faults:
        - when: {first: 1}
          status: {code: 429, headers: {Retry-After: "1"}}
        - latency: {fixed: 10ms}
client:
  reference:
    policy:
      retry: {max_attempts: 3, base_delay: 20ms}
  calls:
    - {method: GET, path: /v1/charges, headers: {X-Tenant: a}, count: 2, concurrency: 1, expect: {id: string}}
checks:
  - outcome: success
  - retry_after_honoured:
  - attempts: {max: 3}
`

// schemaSnippets are scenario files at the format's edges: snippetBase
// with one text replaced (old, new).
var schemaSnippets = map[string][2]string{
	"base":                       {"name: base", "name: base"},
	"retry-after number":         {`Retry-After: "1"`, `Retry-After: 1`},
	"fault header bool":          {`Retry-After: "1"`, `Retry-After: true`},
	"respond header number":      {`X-Served: stub`, `X-Served: 2`},
	"route header number":        {`headers: {X-Tenant: a}`, `headers: {X-Tenant: 1}`},
	"call header number":         {`path: /v1/charges, headers: {X-Tenant: a}`, `path: /v1/charges, headers: {X-Tenant: 1}`},
	"timeout number":             {"timeout: 5s", "timeout: 5"},
	"timeout bad unit":           {"timeout: 5s", "timeout: 5x"},
	"timeout zero":               {"timeout: 5s", "timeout: 0s"},
	"timeout negative":           {"timeout: 5s", "timeout: -1s"},
	"latency number":             {"fixed: 10ms", "fixed: 10"},
	"status code 99":             {"code: 429", "code: 99"},
	"status code 600":            {"code: 429", "code: 600"},
	"status code string":         {"code: 429", `code: "429"`},
	"respond status string":      {"status: 200,", `status: "200",`},
	"respond body and json":      {"json: {id: ch_1}", "json: {id: ch_1}, body: x"},
	"unknown tag":                {"tags: [retry, light]", "tags: [retry, heavy]"},
	"duplicate tag":              {"tags: [retry, light]", "tags: [retry, retry, light]"},
	"seed string":                {"seed: 7", "seed: seven"},
	"seed fraction":              {"seed: 7", "seed: 7.5"},
	"seed whole float":           {"seed: 7", "seed: 7.0"},
	"seed exponent":              {"seed: 7", "seed: 7e3"},
	"seed beyond int64":          {"seed: 7", "seed: 1e30"},
	"count fraction":             {"count: 2", "count: 2.5"},
	"count beyond int64":         {"count: 2", "count: 1e30"},
	"max_attempts beyond int64":  {"max_attempts: 3", "max_attempts: 1e19"},
	"concurrency fraction":       {"concurrency: 1", "concurrency: 1.5"},
	"max_attempts fraction":      {"max_attempts: 3", "max_attempts: 3.5"},
	"status code fraction":       {"code: 429", "code: 429.5"},
	"when first fraction":        {"when: {first: 1}", "when: {first: 1.5}"},
	"attempts max fraction":      {"attempts: {max: 3}", "attempts: {max: 2.5}"},
	"negative count":             {"count: 2", "count: -1"},
	"zero concurrency":           {"concurrency: 1", "concurrency: 0"},
	"lowercase method":           {"method: GET, path", "method: get, path"},
	"call path without slash":    {"path: /v1/charges, headers", "path: v1/charges, headers"},
	"route path without slash":   {"path: /v1/charges\n", "path: v1/charges\n"},
	"version 2":                  {"version: 1", "version: 2"},
	"version string":             {"version: 1", `version: "1"`},
	"no checks":                  {"checks:\n", "checks: []\nx:\n"},
	"unknown check":              {"  - outcome: success", "  - outcom: success"},
	"two checks in one item":     {"  - outcome: success", "  - {outcome: success, goodput: {min: 0.5}}"},
	"outcome unknown":            {"outcome: success", "outcome: maybe"},
	"attempts zero max":          {"attempts: {max: 3}", "attempts: {max: 0}"},
	"attempts empty":             {"attempts: {max: 3}", "attempts: {}"},
	"attempts min above max":     {"attempts: {max: 3}", "attempts: {min: 4, max: 2}"},
	"attempts exact and max":     {"attempts: {max: 3}", "attempts: {exact: 2, max: 3}"},
	"policy unknown key":         {"max_attempts: 3", "max_attemps: 3"},
	"policy wrong type":          {"max_attempts: 3", "max_attempts: many"},
	"policy unknown section":     {"retry: {max_attempts", "retries: {max_attempts"},
	"receiver url":               {"  reference:\n", "  receiver: {url: 'http://127.0.0.1:9/hook'}\n  reference:\n"},
	"receiver scheme only":       {"  reference:\n", "  receiver: {scheme: stripe}\n  reference:\n"},
	"receiver scheme and secret": {"  reference:\n", "  receiver: {scheme: stripe, secret: whsec_x}\n  reference:\n"},
	"when first zero":            {"when: {first: 1}", "when: {first: 0}"},
	"expect unknown type":        {"expect: {id: string}", "expect: {id: int}"},
	"no routes":                  {"  routes:\n", "  routes: []\n  x:\n"},
	"empty name":                 {"name: base", `name: ""`},
	"unknown top key":            {"seed: 7", "seed: 7\nowner: me"},
	"unknown fault":              {"- latency: {fixed: 10ms}", "- latency: {fixed: 10ms}\n        - jitter: {max: 1s}"},
	"fault unknown key":          {"fixed: 10ms", "fixd: 10ms"},
}
