package cassettes

import (
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
	c, err := ImportHAR(strings.NewReader(har), nil)
	require.NoError(t, err)
	h := c.Interactions[0].Response.Headers
	assert.Empty(t, h.Get("Content-Encoding"), "the HAR text is already decoded")
	assert.Empty(t, h.Get("Content-Length"))
	assert.Equal(t, "application/json", h.Get("Content-Type"))
}
