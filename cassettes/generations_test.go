package cassettes

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func loadString(t *testing.T, content string) *Cassette {
	t.Helper()
	path := tempPath(t, "c.yaml")
	writeFile(t, path, content)
	c, err := Load(path)
	require.NoError(t, err)
	return c
}

// go-vcr v1 wrote `version: 1`, `duration: ""`, and sometimes no code.
func TestLoadGoVCRv1(t *testing.T) {
	c := loadString(t, `---
version: 1
interactions:
- request:
    body: ""
    form: {}
    headers: {}
    url: http://api.test/v1/items
    method: GET
  response:
    body: '{"ok":true}'
    headers: {Content-Type: [application/json]}
    status: 201 Created
    duration: ""
- request: {body: "", url: http://api.test/v1/slow, method: GET}
  response: {body: "", status: 200 OK, code: 200, duration: 1500000}
- request: {body: "", url: http://api.test/v1/null, method: GET}
  response: {body: "", status: 200 OK, code: 200, duration: }
`)
	require.Len(t, c.Interactions, 3)
	assert.Equal(t, FormatVersion, c.Version, "read as the current format")
	assert.Equal(t, 201, c.Interactions[0].Response.Code, "code from status")
	assert.Zero(t, c.Interactions[0].Response.Duration)
	assert.Equal(t, 1500*time.Microsecond, c.Interactions[1].Response.Duration, "a number is nanoseconds")
	assert.Zero(t, c.Interactions[2].Response.Duration)

	srv := serve(t, NewReplayer(c, ReplayOptions{}))
	code, body, _ := do(t, srv.Client(), "GET", srv.URL+"/v1/items", "")
	assert.Equal(t, 201, code)
	assert.Equal(t, `{"ok":true}`, body)

	// Saved, it is a current cassette that loads again.
	path := tempPath(t, "saved.yaml")
	require.NoError(t, c.Save(path))
	again, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, c.Interactions[1].Response.Duration, again.Interactions[1].Response.Duration)
}

func gzipped(t *testing.T, s string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write([]byte(s))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// A gzip body kept as sent (uncompressed: false) replays gzip-encoded; one
// go-vcr's transport had already decoded (uncompressed: true) replays
// plain, even when the recording still lists Content-Encoding.
func TestReplayGzipBodies(t *testing.T) {
	raw := base64.StdEncoding.EncodeToString(gzipped(t, `{"zipped":true}`))
	c := loadString(t, `version: 2
interactions:
- request: {url: http://api.test/gz, method: GET}
  response:
    body: !!binary `+raw+`
    headers: {Content-Encoding: [gzip], Content-Type: [application/json]}
    code: 200
    uncompressed: false
- request: {url: http://api.test/plain, method: GET}
  response:
    body: '{"zipped":false}'
    headers: {Content-Encoding: [gzip], Content-Type: [application/json]}
    code: 200
    uncompressed: true
`)
	srv := serve(t, NewReplayer(c, ReplayOptions{}))
	code, body, resp := do(t, srv.Client(), "GET", srv.URL+"/gz", "")
	assert.Equal(t, 200, code)
	assert.Equal(t, `{"zipped":true}`, body)
	assert.True(t, resp.Uncompressed, "sent with Content-Encoding: gzip")

	// Without transparent decoding, the bytes are exactly the recording's.
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	_, rawBody, resp := do(t, &http.Client{Transport: tr}, "GET", srv.URL+"/gz", "")
	assert.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
	assert.Equal(t, string(gzipped(t, `{"zipped":true}`)), rawBody)

	code, body, resp = do(t, &http.Client{Transport: tr}, "GET", srv.URL+"/plain", "")
	assert.Equal(t, 200, code)
	assert.Equal(t, `{"zipped":false}`, body)
	assert.Empty(t, resp.Header.Get("Content-Encoding"), "the recorded body is already decoded")
}

// A !!binary body (an event stream, an image) replays byte for byte and
// survives a HAR round trip as base64.
func TestBinaryBodyRoundTrip(t *testing.T) {
	bin := []byte{0, 0, 1, 0x9b, 0xff, 0xfe, 'h', 'i'}
	c := loadString(t, `version: 2
interactions:
- request: {url: http://api.test/stream, method: POST, body: !!binary `+base64.StdEncoding.EncodeToString(bin)+`}
  response:
    body: !!binary `+base64.StdEncoding.EncodeToString(bin)+`
    headers: {Content-Type: [application/vnd.amazon.eventstream]}
    code: 200
`)
	srv := serve(t, NewReplayer(c, ReplayOptions{}))
	code, body, _ := do(t, srv.Client(), "POST", srv.URL+"/stream", string(bin))
	assert.Equal(t, 200, code)
	assert.Equal(t, string(bin), body)

	var har bytes.Buffer
	require.NoError(t, ExportHAR(&har, c))
	assert.Contains(t, har.String(), `"encoding": "base64"`)
	assert.Contains(t, har.String(), `"_encoding": "base64"`)
	assert.NotContains(t, har.String(), "\ufffd", "no byte replaced")
	back, _, err := ImportHAR(&har, nil)
	require.NoError(t, err)
	assert.Equal(t, string(bin), back.Interactions[0].Response.Body)
	assert.Equal(t, string(bin), back.Interactions[0].Request.Body)
}
