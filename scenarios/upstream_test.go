package scenarios

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/fault"
)

func TestLoadUpstreamFromScenario(t *testing.T) {
	up, err := LoadUpstream("s.yaml", []byte("name: x\nseed: 9\nchecks: []\nupstream:\n  routes:\n    - path: /a\n      faults:\n        - when: {first: 2}\n          status: {code: 503}\n"))
	require.NoError(t, err)
	assert.True(t, up.Scenario)
	p := up.Plan
	assert.Equal(t, int64(9), p.Seed)
	require.Len(t, p.Routes, 1)
	assert.Equal(t, "/a", p.Routes[0].Match.Path)
	assert.Equal(t, 2, p.Routes[0].Rules[0].When.First)

	_, err = LoadUpstream("s.yaml", []byte("upstream:\n  routes:\n    - path: /a\n      bogus: 1\n"))
	assert.ErrorContains(t, err, `s.yaml:4:7: upstream.routes[0]: unknown key "bogus"`)

	_, err = fault.LoadPlan("s.yaml", []byte("upstream:\n  routes:\n    - path: /a\n"))
	assert.ErrorContains(t, err, `s.yaml:1:1: unknown key "upstream"`, "package fault reads plans, not scenarios")
}

// TestLoadUpstreamBase: a plan file may name its base handler (a cassette
// or a spec, relative to the file) instead of routes; it needs one of them.
func TestLoadUpstreamBase(t *testing.T) {
	up, err := LoadUpstream("dir/p.yaml", []byte("cassette: rec.yaml\n"))
	require.NoError(t, err)
	assert.False(t, up.Scenario)
	assert.Equal(t, filepath.Join("dir", "rec.yaml"), up.CassettePath())
	assert.Equal(t, "", up.SpecPath())
	up, err = LoadUpstream("p.yaml", []byte("spec: /abs/api.yaml\nroutes: [{path: /x}]\n"))
	require.NoError(t, err)
	assert.Equal(t, "/abs/api.yaml", up.SpecPath())
	assert.Len(t, up.Plan.Routes, 1)

	_, err = LoadUpstream("p.yaml", []byte("seed: 1\n"))
	assert.EqualError(t, err, "p.yaml:1:1: routes: a plan needs at least one route")
	_, err = LoadUpstream("p.yaml", []byte("cassette: [a]\n"))
	assert.ErrorContains(t, err, "p.yaml:1:11: cassette:")
}

// TestReceiverTarget: a webhook target "receiver" is the receiver the run
// provides; a bare URL is kept.
func TestReceiverTarget(t *testing.T) {
	up, err := LoadUpstream("p.yaml", []byte(`routes: [{path: /ok}]
webhooks:
  - {target: receiver, scheme: stripe, secret: s, every: 1s, events: [{type: a}]}
  - {target: 'http://127.0.0.1:9/h', scheme: stripe, secret: s, every: 1s, events: [{type: a}]}
`))
	require.NoError(t, err)
	p := withReceiver(up.Plan, "http://127.0.0.1:1/rcv")
	assert.Equal(t, "http://127.0.0.1:1/rcv", p.Webhooks[0].Target)
	assert.Equal(t, "http://127.0.0.1:9/h", p.Webhooks[1].Target)
	assert.Equal(t, receiverPlaceholder, up.Plan.Webhooks[0].Target, "the loaded plan is not changed")

	_, err = fault.LoadPlan("p.yaml", []byte("routes: [{path: /ok}]\nwebhooks:\n  - {target: receiver, scheme: stripe, secret: s, every: 1s, events: [{type: a}]}\n"))
	assert.ErrorContains(t, err, `webhooks[0].target: "receiver": give the receiver's URL`, "package fault knows no scenario receiver")
}

// TestCassetteLoadedOnce: a scenario's cassette is read when the scenario
// is loaded, and the run replays that copy.
func TestCassetteLoadedOnce(t *testing.T) {
	dir := t.TempDir()
	rec, err := os.ReadFile(filepath.Join("testdata", "cassette", "customers.yaml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "rec.yaml"), rec, 0o644))
	src := "version: 1\nname: c\nupstream:\n  cassette: rec.yaml\nclient:\n  calls: [{path: /x}]\nchecks: [{outcome: success}]\n"
	sc, err := Load(filepath.Join(dir, "s.yaml"), []byte(src))
	require.NoError(t, err)
	require.NoError(t, os.Remove(filepath.Join(dir, "rec.yaml")))
	h, err := cassetteBase(sc)
	require.NoError(t, err, "the run does not read the cassette again")
	assert.NotNil(t, h)
}
