package fault

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadPlanErrors(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"no routes", "seed: 1\n", "p.yaml:1:1: routes: a plan needs at least one route"},
		{"unknown route key", "routes:\n  - paht: /x\n", `p.yaml:2:5: routes[0]: unknown key "paht" (did you mean "path"?)`},
		{"path without slash", "routes:\n  - path: x\n", `p.yaml:2:11: routes[0].path: "x" must start with /`},
		{"unknown fault", "routes:\n  - path: /x\n    faults:\n      - explode: {}\n", `p.yaml:4:9: routes[0].faults[0]: unknown fault "explode"; known faults: close, garbage`},
		{"two faults", "routes:\n  - path: /x\n    faults:\n      - reset:\n        close:\n", `p.yaml:5:9: routes[0].faults[0]: one fault per rule, found "reset" and "close"`},
		{"no fault", "routes:\n  - path: /x\n    faults:\n      - when: {first: 1}\n", "p.yaml:4:9: routes[0].faults[0]: no fault given"},
		{"p above 1", "routes:\n  - path: /x\n    faults:\n      - when: {probability: 1.5}\n        reset:\n", "p.yaml:4:29: routes[0].faults[0].when.probability: 1.5 must be between 0 and 1"},
		{"negative duration", "routes:\n  - path: /x\n    faults:\n      - latency: {fixed: -5ms}\n", "p.yaml:4:26: routes[0].faults[0].latency.fixed: duration -5ms is negative"},
		{"bad status", "routes:\n  - path: /x\n    faults:\n      - status: {code: 700}\n", "p.yaml:4:24: routes[0].faults[0].status.code: 700 is not an HTTP status"},
		{"wrong type", "routes:\n  - path: /x\n    faults:\n      - status: {code: lots}\n", `p.yaml:4:24: routes[0].faults[0].status.code: "lots" is a string, expected a whole number`},
		{"bad range", "routes:\n  - path: /x\n    faults:\n      - when: {requests: '5..2'}\n        reset:\n", `routes[0].faults[0].when.requests: "5..2": the end must be a number not below the start`},
		{"bad per", "routes:\n  - path: /x\n    faults:\n      - when: {per: user}\n        reset:\n", `when.per: "user": use route, ip, or header:Name`},
		{"latency needs one", "routes:\n  - path: /x\n    faults:\n      - latency: {}\n", "give exactly one of fixed, uniform, normal, lognormal"},
		{"unknown fault param", "routes:\n  - path: /x\n    faults:\n      - truncate: {byte: 3}\n", `p.yaml:4:20: routes[0].faults[0].truncate: unknown key "byte" (did you mean "bytes"?)`},
		{"malformed needs field", "routes:\n  - path: /x\n    faults:\n      - malformed: {mode: remove_field}\n", "mode remove_field needs field"},
		{"version", "version: 3\nroutes:\n  - path: /x\n", "p.yaml:1:10: version 3 is not supported"},
		{"syntax", "routes:\n  - path: [/x\n", "p.yaml:"},
		{"garbage too big", "routes:\n  - path: /x\n    faults:\n      - garbage: {bytes: 50000000000}\n", "garbage.bytes: 50000000000: give 1 to 1048576"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadPlan("p.yaml", []byte(c.src))
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrInvalid), "errors.Is(ErrInvalid): %v", err)
			assert.Contains(t, err.Error(), c.want)
			assert.NotContains(t, err.Error(), "\n", "errors are one line")
		})
	}
}

func TestMatchPath(t *testing.T) {
	cases := []struct {
		pattern, path string
		want          bool
	}{
		{"/v1/charges", "/v1/charges", true},
		{"/v1/charges", "/v1/charges/ch_1", false},
		{"/v1/charges/{id}", "/v1/charges/ch_1", true},
		{"/v1/charges/*", "/v1/charges/", false},
		{"/v1/**", "/v1/a/b/c", true},
		{"/v1/{rest...}", "/v1/a/b", true},
		{"/v2/**", "/v1/a", false},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, matchPath(c.pattern, c.path), "%s ~ %s", c.pattern, c.path)
	}
}

func TestMatchHeadersAndQuery(t *testing.T) {
	s := servePlan(t, `
routes:
  - path: /x
    headers: {X-Tenant: a}
    respond: {status: 201}
  - path: /x
    query: {debug: "*"}
    respond: {status: 202}
  - path: /x
    method: post
    respond: {status: 203}
`)
	code, _, _ := do(t, s, "GET", "/x", map[string]string{"X-Tenant": "a"})
	assert.Equal(t, 201, code)
	code, _, _ = do(t, s, "GET", "/x?debug=1", nil)
	assert.Equal(t, 202, code)
	code, _, _ = do(t, s, "POST", "/x", nil)
	assert.Equal(t, 203, code)
	code, _, _ = do(t, s, "GET", "/x", nil)
	assert.Equal(t, 404, code)
}

// TestLoadPlanAnchors: YAML anchors and aliases share a rule, a fault's
// parameters or a response between routes, as they do in scenario files.
func TestLoadPlanAnchors(t *testing.T) {
	src := `routes:
  - path: /a
    respond: &ok {status: 201, body: made}
    faults:
      - &slow {when: {first: 2}, latency: &lat {fixed: 50ms}}
      - status: &unavailable {code: 503}
  - path: /b
    respond: *ok
    faults:
      - *slow
      - latency: *lat
      - status: *unavailable
`
	p, err := LoadPlan("p.yaml", []byte(src))
	require.NoError(t, err)
	require.Len(t, p.Routes, 2)
	b := p.Routes[1]
	assert.Equal(t, 201, b.Respond.Status)
	assert.Equal(t, "made", string(b.Respond.Body))
	require.Len(t, b.Rules, 3)
	assert.Equal(t, 2, b.Rules[0].When.First)
	assert.Equal(t, p.Routes[0].Rules[0].Fault, b.Rules[0].Fault)
	assert.Equal(t, p.Routes[0].Rules[0].Fault, b.Rules[1].Fault)
	assert.Equal(t, p.Routes[0].Rules[1].Fault, b.Rules[2].Fault)

	_, err = LoadPlan("p.yaml", []byte("routes:\n  - path: /a\n    faults:\n      - status: &s {code: 700}\n  - path: /b\n    faults:\n      - status: *s\n"))
	assert.ErrorContains(t, err, "p.yaml:4:27: routes[0].faults[0].status.code: 700 is not an HTTP status")
}
