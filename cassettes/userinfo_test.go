package cassettes

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRecordedUpstreamKeepsNoPassword(t *testing.T) {
	live := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }))
	defer live.Close()
	u, err := url.Parse(live.URL)
	require.NoError(t, err)
	u.User = url.UserPassword("alice", "s3cretpw")
	path := filepath.Join(t.TempDir(), "c.yaml")
	rec, err := NewRecorder(u, path, RecordOptions{Mode: ModeAll})
	require.NoError(t, err)
	proxy := httptest.NewServer(rec)
	resp, err := http.Get(proxy.URL + "/x")
	require.NoError(t, err)
	resp.Body.Close()
	proxy.Close()
	require.NoError(t, rec.Close())
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.NotContains(t, string(data), "s3cretpw", "credentials in the upstream URL never reach the cassette")
}
