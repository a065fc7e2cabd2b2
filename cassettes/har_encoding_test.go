package cassettes

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestImportHARDropsEncodingOfDecodedBody(t *testing.T) {
	har := `{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"entries":[{"startedDateTime":"2026-01-01T00:00:00Z","time":1,
"request":{"method":"GET","url":"https://api.example.com/x","httpVersion":"HTTP/1.1","headers":[],"queryString":[],"cookies":[],"headersSize":-1,"bodySize":0},
"response":{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","headers":[{"name":"content-encoding","value":"gzip"},{"name":"content-length","value":"31"},{"name":"content-type","value":"application/json"}],
"cookies":[],"content":{"size":12,"mimeType":"application/json","text":"{\"ok\":true}"},"redirectURL":"","headersSize":-1,"bodySize":31},"cache":{},"timings":{"send":0,"wait":1,"receive":0}}]}}`
	c, _, err := ImportHAR(strings.NewReader(har), nil)
	require.NoError(t, err)
	h := c.Interactions[0].Response.Headers
	assert.Empty(t, h.Get("Content-Encoding"), "the HAR text is already decoded")
	assert.Empty(t, h.Get("Content-Length"))
	assert.Equal(t, "application/json", h.Get("Content-Type"))
}

func TestLoadNumbersInteractionsWithoutIDs(t *testing.T) {
	path := t.TempDir() + "/noids.yaml"
	require.NoError(t, os.WriteFile(path, []byte("version: 2\ninteractions:\n  - request: {method: GET, url: 'http://a/x'}\n    response: {code: 200, body: a}\n  - request: {method: GET, url: 'http://a/y'}\n    response: {code: 200, body: b}\n"), 0o644))
	c, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, []int{0, 1}, []int{c.Interactions[0].ID, c.Interactions[1].ID})
	require.NoError(t, os.WriteFile(path, []byte("version: 2\ninteractions:\n  - request: {method: GET, url: 'http://a/x'}\n    response: {code: 100}\n"), 0o644))
	_, err = Load(path)
	assert.ErrorContains(t, err, "not a final HTTP status", "a 1xx cannot be replayed as an answer")
}
