package contract_test

import (
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/contract"
)

func loadEdge(t *testing.T) *contract.Spec {
	t.Helper()
	spec, err := contract.Load("testdata/edge31.yaml")
	require.NoError(t, err)
	require.Len(t, spec.Operations(), 2)
	return spec
}

func serve(t *testing.T, h http.Handler, method, target, body string) (*httptest.ResponseRecorder, []byte) {
	t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	out, _ := io.ReadAll(rec.Body)
	return rec, out
}

// TestPathParamFormats: uuid and date path parameters are judged by their
// formats; the 400 names the parameter.
func TestPathParamFormats(t *testing.T) {
	spec := loadEdge(t)
	h := spec.Handler(7)
	rec, body := serve(t, h, "GET", "/pets/3fa85f64-5717-4562-b3fc-2c963f66afa6/visits/2024-02-29", "")
	require.Equal(t, 200, rec.Code, string(body))
	rec, body = serve(t, h, "GET", "/pets/not-a-uuid/visits/2024-02-29", "")
	require.Equal(t, 400, rec.Code)
	assert.Contains(t, string(body), "petId")
	rec, body = serve(t, h, "GET", "/pets/3fa85f64-5717-4562-b3fc-2c963f66afa6/visits/yesterday", "")
	require.Equal(t, 400, rec.Code)
	assert.Contains(t, string(body), "day")
}

// TestTypeArraysAndDiscriminator: 3.1 type arrays and a oneOf with a
// discriminator are served valid and judged: a cat passes, a cat that
// barks fails, naming the body.
func TestTypeArraysAndDiscriminator(t *testing.T) {
	spec := loadEdge(t)
	h := spec.Handler(7)
	for _, op := range spec.Operations() {
		req, err := spec.ExampleRequest(op, 7)
		require.NoError(t, err)
		_, vs := spec.ValidateRequest(req)
		require.Empty(t, vs, op.Name())
		req, _ = spec.ExampleRequest(op, 7)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		body, _ := io.ReadAll(rec.Body)
		_, rvs := spec.ValidateResponse(req, rec.Code, rec.Header(), body)
		assert.Empty(t, rvs, "%s answered %s", op.Name(), body)
	}
	rec, _ := serve(t, h, "POST", "/pets", `{"kind": "cat", "lives": 9}`)
	assert.Equal(t, 201, rec.Code)
	rec, body := serve(t, h, "POST", "/pets", `{"kind": "cat", "bark": "woof"}`)
	assert.Equal(t, 400, rec.Code)
	assert.Contains(t, string(body), "body")
}

// TestJSONScalarsAreNotCoerced: a JSON body sending a number as a string
// breaks the contract (a form body, all strings, is coerced instead).
func TestJSONScalarsAreNotCoerced(t *testing.T) {
	spec := loadEdge(t)
	h := spec.Handler(7)
	rec, body := serve(t, h, "POST", "/pets", `{"kind": "cat", "lives": "9"}`)
	assert.Equal(t, 400, rec.Code, string(body))
	r := httptest.NewRequest("POST", "/pets", strings.NewReader(`{"kind": "cat", "lives": "9"}`))
	r.Header.Set("Content-Type", "application/json")
	_, vs := spec.ValidateRequest(r)
	require.NotEmpty(t, vs)
	assert.Equal(t, "body", vs[0].In)
}

// TestAnswersAreSeeded: the same seed gives the same bytes; another seed
// may differ but stays valid.
func TestAnswersAreSeeded(t *testing.T) {
	spec := loadEdge(t)
	op := spec.Operations()[0]
	a, b := spec.Answer(op, 1), spec.Answer(op, 1)
	assert.Equal(t, a.Body, b.Body)
	assert.Equal(t, "generated", a.Source)
	assert.True(t, json.Valid(a.Body))
}

// TestExampleBreakingSchemaIsSkipped: an example that violates its schema
// is not served; a generated value is, with a warning naming the example.
func TestExampleBreakingSchemaIsSkipped(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bad-example.yaml")
	require.NoError(t, os.WriteFile(file, []byte(`openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /prices/{sid}:
    get:
      parameters: [{name: sid, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [sid, price]
                properties:
                  sid: {type: string, minLength: 34, maxLength: 34}
                  price: {type: number}
              example: {sid: PN123, price: "0.75"}
`), 0o644))
	spec, err := contract.Load(file)
	require.NoError(t, err)
	a := spec.Answer(spec.Operations()[0], 3)
	assert.Equal(t, "generated", a.Source)
	require.NotEmpty(t, a.Warnings)
	assert.Contains(t, a.Warnings[0].Message, "breaks its schema")
	var doc map[string]any
	require.NoError(t, json.Unmarshal(a.Body, &doc))
	assert.Len(t, doc["sid"], 34)
}

// TestLoadErrors: a broken file names file and line; a Swagger 2 file says
// to convert it; both wrap ErrInvalidSpec.
func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.yaml")
	require.NoError(t, os.WriteFile(broken, []byte("openapi: 3.0.3\ninfo: {title: t\npaths: {}\n"), 0o644))
	_, err := contract.Load(broken)
	require.ErrorIs(t, err, contract.ErrInvalidSpec)
	assert.Contains(t, err.Error(), "broken.yaml:")
	v2 := filepath.Join(dir, "v2.yaml")
	require.NoError(t, os.WriteFile(v2, []byte("swagger: \"2.0\"\ninfo: {title: t, version: '1'}\npaths: {}\n"), 0o644))
	_, err = contract.Load(v2)
	require.ErrorIs(t, err, contract.ErrInvalidSpec)
	assert.Contains(t, err.Error(), "v2.yaml")
}

// TestMutate: each contract mode changes the field it names, and reports
// no fit when the schema has none.
func TestMutate(t *testing.T) {
	spec, err := contract.Load("../scenarios/library/specs/shop.yaml")
	require.NoError(t, err)
	r := httptest.NewRequest("GET", "/v1/orders/ord_1", nil)
	a := spec.Answer(spec.Find(r), 1)
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct{ mode, field, want string }{
		{"unlisted_enum", "status", `"status":"faultline_new_value"`},
		{"null_nullable", "note", `"note":null`},
		{"drop_deprecated", "", ""},
		{"added_field", "customer", `"faultline_added"`},
	} {
		out, field, ok := spec.Mutate(r, tc.mode, tc.field, 200, a.Body, rnd)
		require.True(t, ok, tc.mode)
		if tc.want != "" {
			assert.Contains(t, string(out), tc.want, tc.mode)
		} else {
			assert.Equal(t, "legacy_ref", field)
			assert.NotContains(t, string(out), "legacy_ref")
		}
	}
	_, _, ok := spec.Mutate(r, "unlisted_enum", "note", 200, a.Body, rnd)
	assert.False(t, ok, "note has no enum")
}
