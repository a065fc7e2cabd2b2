package contract_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/cassettes"
	"github.com/faultline-dev/faultline/contract"
)

// realCassette finds a cassette in ../shared/realworld/cassettes, or skips.
func realCassette(t *testing.T, name string) *cassettes.Cassette {
	t.Helper()
	spec := realworld(t, "openai-openapi.yaml") // skips when shared/realworld is absent
	path := filepath.Join(filepath.Dir(filepath.Dir(spec)), "cassettes", name)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("real-world cassette %s not found: skipping", path)
	}
	c, err := cassettes.Load(path)
	require.NoError(t, err)
	return c
}

// TestVerifyRealCassette: the OpenAI streaming cassette recorded by a real
// SDK conforms to OpenAI's published spec (its /v1 server base path
// understood); edited into a stale fixture (a required field gone, an
// undocumented status), it does not, naming the field and the status.
func TestVerifyRealCassette(t *testing.T) {
	skipLargeUnderRace(t)
	c := realCassette(t, "fantasy-openai-sse.v4.yaml")
	spec := realSpec(t, "openai-openapi.yaml")
	vs := spec.Verify(c)
	require.Len(t, vs, 1)
	require.NotNil(t, vs[0].Operation)
	assert.Equal(t, "createChatCompletion", vs[0].Operation.ID)
	assert.Empty(t, vs[0].Request)
	assert.Empty(t, vs[0].Response)

	it := *c.Interactions[0]
	it.Request.Body = `{"model":"gpt-4o-mini","stream":true}`
	it.Response.Code = 299
	stale := &cassettes.Cassette{Version: 2, Interactions: []*cassettes.Interaction{&it}}
	vs = spec.Verify(stale)
	require.Len(t, vs, 1)
	require.NotEmpty(t, vs[0].Request)
	assert.Contains(t, fields(vs[0].Request), "messages")
	require.NotEmpty(t, vs[0].Response)
	assert.Equal(t, "status", vs[0].Response[0].In)
}

// TestVerifyUnknownOperation: an interaction the spec has no operation for
// is reported as unknown, not as a violation.
func TestVerifyUnknownOperation(t *testing.T) {
	spec := loadEdge(t)
	c := &cassettes.Cassette{Version: 2, Interactions: []*cassettes.Interaction{{
		Request:  cassettes.Request{Method: "GET", URL: "https://api.example.com/nowhere"},
		Response: cassettes.Response{Code: 200},
	}}}
	vs := spec.Verify(c)
	require.Len(t, vs, 1)
	assert.True(t, vs[0].Unknown())
	assert.Empty(t, vs[0].Request)
}

// fields lists the violations' fields and messages, for assertions.
func fields(vs []contract.Violation) string {
	s := ""
	for _, v := range vs {
		s += v.String() + "\n"
	}
	return s
}
