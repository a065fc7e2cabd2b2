package contract_test

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/contract"
)

// TestGeneratedCompositionsAreValid: deep oneOf/anyOf/allOf with a
// discriminator mapping, a required-but-nullable property, a free-form
// object, a closed tuple, unique enum items and tight numeric bounds are
// served valid for every one of 40 seeds, with the discriminator naming
// the branch drawn.
func TestGeneratedCompositionsAreValid(t *testing.T) {
	spec, err := contract.Load("testdata/compose31.yaml")
	require.NoError(t, err)
	op := spec.Operations()[0]
	kinds := map[string]bool{}
	for seed := int64(0); seed < 40; seed++ {
		a := spec.Answer(op, seed)
		require.Equal(t, "generated", a.Source, "seed %d: %v", seed, a.Warnings)
		require.Equal(t, 200, a.Status)
		r := httptest.NewRequest("GET", "/events", nil)
		_, vs := spec.ValidateResponse(r, a.Status, map[string][]string{"Content-Type": {a.ContentType}}, a.Body)
		require.Empty(t, vs, "seed %d: %s", seed, a.Body)
		var doc struct {
			Data []struct {
				Type   string `json:"type"`
				Role   string `json:"role"`
				Status string `json:"status"`
			} `json:"data"`
			Schema map[string]any `json:"schema"`
			Tags   []string       `json:"tags"`
		}
		require.NoError(t, json.Unmarshal(a.Body, &doc), string(a.Body))
		require.Len(t, doc.Data, 3)
		assert.ElementsMatch(t, []string{"red", "green", "blue"}, doc.Tags)
		for _, e := range doc.Data {
			kinds[e.Type] = true
			switch e.Type {
			case "message":
				assert.NotEmpty(t, e.Role)
			case "tool_call":
				assert.NotEmpty(t, e.Status)
			}
		}
	}
	assert.Equal(t, map[string]bool{"message": true, "tool_call": true, "reasoning": true}, kinds, "the seed picks every branch")
}

// TestUngenerableAnswersAnError: when no value can satisfy the documented
// response (a oneOf whose two branches accept the same values), the
// handler answers 501 naming the operation and the reason, and warns,
// rather than serving a body that breaks the contract.
func TestUngenerableAnswersAnError(t *testing.T) {
	file := filepath.Join(t.TempDir(), "unsatisfiable.yaml")
	require.NoError(t, os.WriteFile(file, []byte(`openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /twins:
    get:
      operationId: getTwins
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                oneOf:
                  - {type: object, required: [id], properties: {id: {type: string}}}
                  - {type: object, required: [id], properties: {id: {type: string}}}
`), 0o644))
	spec, err := contract.Load(file)
	require.NoError(t, err)
	h := spec.Handler(1)
	rec, body := serve(t, h, "GET", "/twins", "")
	require.Equal(t, contract.Ungenerable, rec.Code, string(body))
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	var doc struct {
		Error struct {
			Message   string `json:"message"`
			Operation string `json:"operation"`
			Status    int    `json:"status"`
		} `json:"error"`
	}
	require.NoError(t, json.Unmarshal(body, &doc), string(body))
	assert.Equal(t, 200, doc.Error.Status)
	assert.Contains(t, doc.Error.Operation, "getTwins")
	assert.Contains(t, doc.Error.Message, "oneOf")
	assert.Contains(t, doc.Error.Message, "give the spec an example")
	require.Len(t, h.Warnings(), 1)
	assert.Contains(t, h.Warnings()[0].Message, "no generated value is valid")
	assert.Equal(t, "ungenerable", spec.Answer(spec.Operations()[0], 1).Source)
}
