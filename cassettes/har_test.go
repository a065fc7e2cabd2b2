package cassettes

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sampleHAR = `{"log": {"version": "1.2", "creator": {"name": "browser", "version": "1"},
  "entries": [
    {"startedDateTime": "2026-03-01T10:00:00.000Z", "time": 12.5,
     "request": {"method": "POST", "url": "https://api.test/v1/login", "httpVersion": "HTTP/2",
       "headers": [{"name": ":authority", "value": "api.test"}, {"name": "Authorization", "value": "Bearer abcdefghijk123"}],
       "postData": {"mimeType": "application/json", "text": "{\"user\":\"ann\",\"password\":\"pw-123456\"}"}},
     "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/2",
       "headers": [{"name": "Content-Type", "value": "application/json"}],
       "content": {"size": 16, "mimeType": "application/json", "text": "eyJvayI6dHJ1ZX0=", "encoding": "base64"}}},
    {"startedDateTime": "2026-03-01T10:00:01.000Z", "time": 3,
     "request": {"method": "GET", "url": "https://api.test/v1/me?x=1", "httpVersion": "HTTP/1.1", "headers": []},
     "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [],
       "content": {"size": 2, "mimeType": "text/plain", "text": "me"}}}
  ]}}`

func TestImportHAR(t *testing.T) {
	c, _, err := ImportHAR(strings.NewReader(sampleHAR), nil)
	require.NoError(t, err)
	require.Len(t, c.Interactions, 2)
	login := c.Interactions[0]
	assert.Equal(t, `{"ok":true}`, login.Response.Body, "base64 content decoded")
	assert.Equal(t, 12500*time.Microsecond, login.Response.Duration)
	assert.Equal(t, Placeholder, login.Request.Headers.Get("Authorization"))
	assert.NotContains(t, login.Request.Body, "pw-123456")
	assert.Empty(t, login.Request.Headers.Values(":authority"))
	assert.Equal(t, time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), c.RecordedAt())

	srv := serve(t, NewReplayer(c, ReplayOptions{}))
	code, body, _ := do(t, srv.Client(), "POST", srv.URL+"/v1/login", `{"password":"other","user":"ann"}`)
	assert.Equal(t, 200, code)
	assert.Equal(t, `{"ok":true}`, body)
}

func TestImportHARFormParams(t *testing.T) {
	in := `{"log": {"entries": [{"request": {"method": "POST", "url": "https://api.test/login",
		"postData": {"mimeType": "application/x-www-form-urlencoded", "params": [{"name": "user", "value": "ann"}, {"name": "password", "value": "pw-1234567"}]}},
		"response": {"status": 204, "content": {"text": ""}}}]}}`
	c, _, err := ImportHAR(strings.NewReader(in), nil)
	require.NoError(t, err)
	req := c.Interactions[0].Request
	assert.Equal(t, "password=%5BREDACTED%5D&user=ann", req.Body)
	assert.Equal(t, "ann", req.Form.Get("user"))
	assert.Equal(t, Placeholder, req.Form.Get("password"))
}

func TestExportImportRoundTrip(t *testing.T) {
	in := cassetteOf(
		it("POST", "https://api.test/v1/a?b=2&a=1", `{"n":1}`, 201, `{"id":"a"}`),
		it("GET", "https://api.test/v1/bin", "", 200, "\xff\x00\x01"),
	)
	in.Interactions[0].Response.Duration = 7 * time.Millisecond
	var buf bytes.Buffer
	require.NoError(t, ExportHAR(&buf, in))
	var raw map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &raw), "valid JSON")
	assert.Contains(t, buf.String(), `"version": "1.2"`)
	assert.Contains(t, buf.String(), `"encoding": "base64"`)

	out, _, err := ImportHAR(&buf, nil)
	require.NoError(t, err)
	require.Len(t, out.Interactions, 2)
	for i := range in.Interactions {
		a, b := in.Interactions[i], out.Interactions[i]
		assert.Equal(t, a.Request.Method, b.Request.Method)
		assert.Equal(t, a.Request.URL, b.Request.URL)
		assert.Equal(t, a.Request.Body, b.Request.Body)
		assert.Equal(t, a.Response.Code, b.Response.Code)
		assert.Equal(t, a.Response.Body, b.Response.Body)
		assert.Equal(t, a.Response.Headers, b.Response.Headers)
		assert.Equal(t, a.Response.Duration, b.Response.Duration)
	}
}

func TestImportHARRejectsBadInput(t *testing.T) {
	cases := []struct {
		name, in, want string
		line           int
	}{
		{"syntax", "{\"log\": {\n\"entries\": [,]}}", "not a HAR file", 2},
		{"no entries", `{"log": {"entries": []}}`, "no entries", 0},
		{"relative url", `{"log": {"entries": [{"request": {"method": "GET", "url": "/x"}, "response": {"status": 200}}]}}`, "entries[0]: request.url", 0},
		{"no status", `{"log": {"entries": [{"request": {"method": "GET", "url": "http://a/x"}, "response": {}}]}}`, "all have status 0", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := tempPath(t, "in.har")
			writeFile(t, path, tc.in)
			f, err := os.Open(path)
			require.NoError(t, err)
			defer f.Close()
			_, _, err = ImportHAR(f, nil)
			var fe *FormatError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, path, fe.File)
			assert.Equal(t, tc.line, fe.Line)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
