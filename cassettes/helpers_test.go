package cassettes

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if path := os.Getenv("FAULTLINE_SAVE_LOOP"); path != "" {
		saveLoop(path) // never returns: killed by the parent test
	}
	if path := os.Getenv("FAULTLINE_HOLD_LOCK"); path != "" {
		holdLock(path) // never returns: killed by the parent test
	}
	goleak.VerifyTestMain(m)
}

// it builds a recorded interaction.
func it(method, rawURL, reqBody string, code int, respBody string) *Interaction {
	return &Interaction{
		Request: Request{Method: method, URL: rawURL, Body: reqBody,
			Headers: http.Header{"Content-Type": {"application/json"}}},
		Response: Response{Code: code, Status: http.StatusText(code), Body: respBody,
			Headers: http.Header{"Content-Type": {"application/json"}}},
	}
}

func cassetteOf(items ...*Interaction) *Cassette {
	c := &Cassette{Version: FormatVersion}
	for i, x := range items {
		x.ID = i
		c.Interactions = append(c.Interactions, x)
	}
	return c
}

// serve starts an httptest server for h, closed with the test.
func serve(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// do sends a request and returns status, body and response.
func do(t *testing.T, client *http.Client, method, url, body string, hdr ...string) (int, string, *http.Response) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b), resp
}

func tempPath(t *testing.T, name string) string {
	return filepath.Join(t.TempDir(), name)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

// saveLoop rewrites a large cassette at path forever; see TestSaveSurvivesKill.
func saveLoop(path string) {
	c := &Cassette{Version: FormatVersion}
	body := strings.Repeat("x", 4096)
	for i := 0; i < 400; i++ {
		c.Interactions = append(c.Interactions, it("GET", "http://api.test/big", "", 200, body))
	}
	for n := 0; ; n++ {
		c.Meta = &Meta{Version: "loop", RecordedAt: time.Unix(int64(n), 0)}
		_ = c.Save(path)
	}
}
