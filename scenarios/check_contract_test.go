package scenarios

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/contract"
	"github.com/faultline-dev/faultline/report"
)

// conformScenario writes a scenario over the bundled shop spec whose one
// call posts body.
func conformScenario(t *testing.T, dir, name, body string) *Scenario {
	t.Helper()
	spec, err := filepath.Abs("library/specs/shop.yaml")
	require.NoError(t, err)
	return writeScenario(t, dir, name, `version: 1
name: `+name+`
upstream:
  spec: `+spec+`
client:
  calls:
    - method: POST
      path: /v1/orders
      body: '`+body+`'
      headers: {Content-Type: application/json}
checks:
  - requests_conform
`)
}

// TestRequestsConform: a client posting an order the spec accepts passes;
// one sending amount as a string fails, and the failure names the
// operation and the field; the upstream answered it 400 in the spec's
// error shape, naming the field.
func TestRequestsConform(t *testing.T) {
	dir := t.TempDir()
	good := runScenario(t, conformScenario(t, dir, "good", `{"amount": 1200, "currency": "eur", "customer": "cus_1"}`), Options{Seed: 1})
	assert.Equal(t, report.Passed, checkNamed(t, good, "requests_conform").Status)

	bad := conformScenario(t, dir, "bad", `{"amount": "12.00", "currency": "eur", "customer": "cus_1"}`)
	res := runScenario(t, bad, Options{Seed: 1})
	c := checkNamed(t, res, "requests_conform")
	require.Equal(t, report.Failed, c.Status)
	assert.Contains(t, c.Message, "createOrder")
	assert.Contains(t, c.Message, "body amount")
	assert.Contains(t, c.Observed, "1 of 1 request broke the contract")
}

// TestSpecRejectsInvalidRequest: the spec handler answers a request the
// contract refuses with the provider's documented 400 shape naming the
// field, and the journal notes the operation and the violation.
func TestSpecRejectsInvalidRequest(t *testing.T) {
	sc := conformScenario(t, t.TempDir(), "bad-400", `{"amount": 0, "currency": "eur", "customer": "cus_1"}`)
	obs := observe(t, sc)
	require.Len(t, obs.Journal, 1)
	e := obs.Journal[0]
	assert.Equal(t, 400, e.Status)
	assert.Equal(t, "POST /v1/orders (createOrder)", e.Notes[contract.NoteOperation])
	assert.Contains(t, e.Notes[contract.NoteViolation], "body amount")
}

// observe runs a scenario with the reference client and returns what the
// upstream saw.
func observe(t *testing.T, sc *Scenario) *Observation {
	t.Helper()
	c := &captureCheck{}
	sc2 := *sc
	sc2.Checks = append(append([]Check(nil), sc.Checks...), c)
	_, err := RunOne(context.Background(), &sc2, Options{Seed: 1})
	require.NoError(t, err)
	require.NotNil(t, c.got)
	return c.got
}

// captureCheck keeps the observation it is given.
type captureCheck struct{ got *Observation }

func (*captureCheck) Name() string { return "capture" }
func (c *captureCheck) Evaluate(o *Observation) report.Check {
	c.got = o
	return report.Check{Name: "capture", Status: report.Passed}
}

// TestRequestsConformPython: the same verdicts for a client in another
// language (Python's standard library), run as an external program.
func TestRequestsConformPython(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the Python client is not run")
	}
	py := interpreter(t, "python3", "-c", "import sys; print(sys.executable)")
	dir := t.TempDir()
	client := filepath.Join(dir, "client.py")
	require.NoError(t, os.WriteFile(client, []byte(`import json, os, sys, urllib.request
amount = sys.argv[1]
body = json.dumps({"amount": json.loads(amount), "currency": "eur", "customer": "cus_1"}).encode()
req = urllib.request.Request(os.environ["FAULTLINE_URL"] + "/v1/orders", data=body, method="POST",
                             headers={"Content-Type": "application/json"})
try:
    urllib.request.urlopen(req, timeout=5).read()
except urllib.error.HTTPError as e:
    print("refused:", e.code, e.read().decode(), file=sys.stderr)
`), 0o644))
	for _, tc := range []struct {
		amount string
		want   report.Status
	}{{"1200", report.Passed}, {`"12.00"`, report.Failed}} {
		sc := conformScenario(t, dir, "py-"+strings.Trim(tc.amount, `"`), `{}`)
		res := runScenario(t, sc, Options{Seed: 1, Exec: []string{py, client, tc.amount}})
		assert.Equal(t, tc.want, checkNamed(t, res, "requests_conform").Status, "amount %s", tc.amount)
	}
}

// TestLibraryContractScenarios: the bundled-spec scenarios pass with the
// reference client, and each malformed contract mode really changed the
// answer (the journal notes the field it changed).
func TestLibraryContractScenarios(t *testing.T) {
	lib, err := Library()
	require.NoError(t, err)
	want := map[string]string{"contract-unlisted-enum": "status", "contract-null-nullable": "note", "contract-deprecated-gone": "legacy_ref", "contract-added-field": ""}
	for _, sc := range lib {
		field, ok := want[sc.Name]
		if !ok {
			continue
		}
		delete(want, sc.Name)
		obs := observe(t, sc)
		require.NotEmpty(t, obs.Journal, sc.Name)
		e := obs.Journal[0]
		require.Len(t, e.Faults, 1, sc.Name)
		p := e.Faults[0].Params
		require.NotEmpty(t, p["field"], "%s: the mutation found no field: %v", sc.Name, p)
		if field != "" {
			assert.Equal(t, field, p["field"], sc.Name)
		}
		assert.Empty(t, e.Notes[contract.NoteViolation], sc.Name)
	}
	assert.Empty(t, want, "library scenarios missing")
}

// TestContractScenariosCatchBrittleClients: the contract-* library
// scenarios fail a client that breaks when the provider evolves within
// its contract. The strict test client (an SDK decoding orders strictly)
// fails outcome in each, while its requests conform; with the malformed
// fault taken out the same client passes every check, so the failure is
// the mutation's. Sending numbers as strings fails requests_conform. The
// reference client passing them is TestLibraryRunsGreenWithReferenceClient;
// the naive and reckless clients are tolerant readers and pass too
// (TestLibraryDiscriminates).
func TestContractScenariosCatchBrittleClients(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the strict test client")
	}
	lib, err := Library()
	require.NoError(t, err)
	var scs, unmutated []*Scenario
	for _, sc := range lib {
		if strings.HasPrefix(sc.Name, "contract-") {
			scs = append(scs, sc)
			plain := *sc
			plan := *sc.Plan
			plan.Routes = nil
			plain.Plan = &plan
			unmutated = append(unmutated, &plain)
		}
	}
	require.Len(t, scs, 4)
	strict := buildClient(t, "strict")

	run, err := Run(context.Background(), scs, Options{Exec: []string{strict}, Seed: 1, Parallel: 2})
	require.NoError(t, err)
	for _, sc := range run.Scenarios {
		assert.Equal(t, report.Failed, checkNamed(t, sc, "outcome").Status, "%s: the strict client must fail", sc.Name)
		assert.Equal(t, report.Passed, checkNamed(t, sc, "requests_conform").Status, sc.Name)
		assert.Equal(t, report.Passed, checkNamed(t, sc, "attempts").Status, sc.Name)
	}

	run, err = Run(context.Background(), unmutated, Options{Exec: []string{strict}, Seed: 1, Parallel: 2})
	require.NoError(t, err)
	for _, sc := range run.Scenarios {
		assert.Equal(t, report.Passed, sc.Status, "%s without its fault: %+v", sc.Name, sc.Checks)
	}

	var post []*Scenario
	for _, sc := range scs {
		if sc.Name == "contract-added-field" {
			post = append(post, sc)
		}
	}
	run, err = Run(context.Background(), post, Options{Exec: []string{strict, "-stringify"}, Seed: 1})
	require.NoError(t, err)
	c := checkNamed(t, run.Scenarios[0], "requests_conform")
	assert.Equal(t, report.Failed, c.Status)
	assert.Contains(t, c.Message, "amount")
}
