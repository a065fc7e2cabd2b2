package contract_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/cassettes"
	"github.com/faultline-dev/faultline/contract"
	"github.com/faultline-dev/faultline/report"
)

const ordersSpec = `openapi: 3.0.3
info: {title: orders, version: "1"}
servers:
  - url: https://api.example.com/v1
paths:
  /orders:
    post:
      operationId: createOrder
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [amount]
              properties:
                amount: {type: integer, minimum: 1}
      responses:
        "201": {description: created}
`

func recorded(id int, method, url, body string, code int) *cassettes.Interaction {
	return &cassettes.Interaction{ID: id,
		Request:  cassettes.Request{Method: method, URL: url, Body: body, Headers: map[string][]string{"Content-Type": {"application/json"}}},
		Response: cassettes.Response{Code: code}}
}

// TestVerifyReport: each interaction is a case of a "verify" report, in
// cassette order, named after the interaction and its operation, with the
// cassette's file: a conforming one passes both checks, a violation fails
// its check (the first violation the message, the count observed), an
// undocumented status fails the response check, an unknown operation is
// skipped with the path it was looked up by, and an interaction that
// cannot be judged is an errored case.
func TestVerifyReport(t *testing.T) {
	spec, err := contract.LoadData("orders.yaml", []byte(ordersSpec))
	require.NoError(t, err)
	first := &cassettes.Cassette{Version: 2, Interactions: []*cassettes.Interaction{
		recorded(0, "POST", "https://api.example.com/v1/orders", `{"amount":5}`, 201),
		recorded(1, "POST", "https://api.example.com/v1/orders", `{"amount":0}`, 201),
	}}
	second := &cassettes.Cassette{Version: 2, Interactions: []*cassettes.Interaction{
		recorded(0, "POST", "https://api.example.com/v1/orders", `{"amount":5}`, 503),
		recorded(1, "DELETE", "https://api.example.com/v1/orders?x=1", "", 204),
		recorded(2, "GET", "https://api.example.com/%zz", "", 200),
	}}
	start := time.Now().Add(-time.Second)
	run := spec.VerifyReport([]*cassettes.Cassette{first, second}, contract.VerifyReportOptions{
		Files: []string{"a.yaml", "b.yaml"}, Command: "faultline cassette verify --spec orders.yaml a.yaml b.yaml",
		ToolVersion: "v9", Start: start})

	assert.Equal(t, "verify", run.Kind)
	assert.Equal(t, "v9", run.ToolVersion)
	assert.Equal(t, "faultline cassette verify --spec orders.yaml a.yaml b.yaml", run.Command)
	assert.Equal(t, start, run.StartedAt)
	assert.GreaterOrEqual(t, run.Duration, time.Second)
	assert.False(t, run.Seeded())
	assert.Equal(t, report.Summary{Total: 5, Passed: 1, Failed: 3, Skipped: 1}, run.Summary())
	require.Len(t, run.Scenarios, 5)

	ok := run.Scenarios[0]
	assert.Equal(t, "#0 POST https://api.example.com/v1/orders (POST /orders (createOrder))", ok.Name)
	assert.Equal(t, "a.yaml", ok.File)
	assert.Equal(t, []string{"contract"}, ok.Tags)
	assert.Equal(t, report.Passed, ok.Status)
	require.Len(t, ok.Checks, 2)
	assert.Equal(t, report.Check{Name: "request conforms", Status: report.Passed, Expected: "valid for POST /orders (createOrder)", Observed: "conforms"}, ok.Checks[0])
	assert.Equal(t, report.Check{Name: "response conforms", Status: report.Passed, Expected: "status 201 documented, body valid", Observed: "conforms"}, ok.Checks[1])

	badRequest := run.Scenarios[1]
	assert.Equal(t, report.Failed, badRequest.Status)
	assert.Equal(t, report.Failed, badRequest.Checks[0].Status)
	assert.Equal(t, "1 violation", badRequest.Checks[0].Observed)
	assert.Contains(t, badRequest.Checks[0].Message, "body amount:")
	assert.Equal(t, report.Passed, badRequest.Checks[1].Status)

	badStatus := run.Scenarios[2]
	assert.Equal(t, "b.yaml", badStatus.File)
	assert.Equal(t, report.Passed, badStatus.Checks[0].Status)
	assert.Equal(t, report.Failed, badStatus.Checks[1].Status)
	assert.Equal(t, "status 503 documented, body valid", badStatus.Checks[1].Expected)
	assert.Contains(t, badStatus.Checks[1].Message, "status:")

	unknown := run.Scenarios[3]
	assert.Equal(t, "#1 DELETE https://api.example.com/v1/orders?x=1", unknown.Name)
	assert.Equal(t, report.Skipped, unknown.Status)
	assert.Equal(t, "unknown operation: the spec has no DELETE /v1/orders", unknown.SkipReason)
	assert.Empty(t, unknown.Checks)

	broken := run.Scenarios[4]
	assert.Equal(t, report.Failed, broken.Status)
	assert.Contains(t, broken.Error, `recorded URL "https://api.example.com/%zz" does not parse`)
}
