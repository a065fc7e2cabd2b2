package cassettes

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingUpstream answers /v1/... with the path and counts calls; it also
// hands out a session cookie and echoes the credential it was sent.
func countingUpstream(t *testing.T) (*http.ServeMux, *atomic.Int64, *atomic.Value) {
	var calls atomic.Int64
	var lastAuth atomic.Value
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		lastAuth.Store(r.Header.Get("Authorization"))
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "s3ss10n-v4lue"})
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"path":%q,"client_secret":"cs_live_abcdef123456"}`, r.URL.Path)
	})
	return mux, &calls, &lastAuth
}

func TestRecordRedactsBeforeDiskAndReplays(t *testing.T) {
	mux, _, lastAuth := countingUpstream(t)
	live := serve(t, mux)
	path := tempPath(t, "rec.yaml")
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	rec, err := NewRecorder(mustURL(t, live.URL), path, RecordOptions{Now: func() time.Time { return at }})
	require.NoError(t, err)
	proxy := serve(t, rec)

	const token = "Bearer ghp_abcdefghijklmnopqrstuvwxyz0123456789"
	code, body, resp := do(t, proxy.Client(), "POST", proxy.URL+"/v1/things?api_key=k-123456",
		`{"name":"a","password":"hunter2"}`, "Authorization", token, "Content-Type", "application/json")
	require.Equal(t, 200, code)
	// The client and the upstream see the real values...
	assert.Equal(t, token, lastAuth.Load())
	assert.Contains(t, body, "cs_live_abcdef123456")
	assert.NotEmpty(t, resp.Cookies())
	require.NoError(t, rec.Close())

	// ...the disk never does.
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	for _, secret := range []string{"ghp_abc", "hunter2", "k-123456", "cs_live_abcdef123456", "s3ss10n-v4lue"} {
		assert.NotContains(t, string(raw), secret)
	}
	assert.Contains(t, string(raw), Placeholder)

	c, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, at, c.RecordedAt())
	srv := serve(t, NewReplayer(c, ReplayOptions{}))
	code, body, _ = do(t, srv.Client(), "POST", srv.URL+"/v1/things?api_key=other",
		`{"password":"other","name":"a"}`, "Authorization", "Bearer x", "Content-Type", "application/json")
	assert.Equal(t, 200, code)
	assert.Contains(t, body, `"path":"/v1/things"`)
}

func TestRecordWritesNoEmptyCassette(t *testing.T) {
	mux, _, _ := countingUpstream(t)
	live := serve(t, mux)
	path := tempPath(t, "none.yaml")
	rec, err := NewRecorder(mustURL(t, live.URL), path, RecordOptions{})
	require.NoError(t, err)
	assert.ErrorIs(t, rec.Close(), ErrEmptyCassette)
	assert.NoFileExists(t, path)
	assert.ErrorIs(t, rec.Close(), ErrEmptyCassette, "a second Close reports the same outcome")

	// Counterpart: one request is enough to write the file.
	rec, err = NewRecorder(mustURL(t, live.URL), path, RecordOptions{})
	require.NoError(t, err)
	proxy := serve(t, rec)
	do(t, proxy.Client(), "GET", proxy.URL+"/v1/a", "")
	require.NoError(t, rec.Close())
	assert.FileExists(t, path)
	// After Close nothing more is accepted.
	code, _, _ := do(t, proxy.Client(), "GET", proxy.URL+"/v1/b", "")
	assert.Equal(t, http.StatusServiceUnavailable, code)
}

func TestRecordModes(t *testing.T) {
	mux, calls, _ := countingUpstream(t)
	live := serve(t, mux)
	seed := func(t *testing.T) string {
		path := tempPath(t, "modes.yaml")
		rec, err := NewRecorder(mustURL(t, live.URL), path, RecordOptions{Mode: ModeAll})
		require.NoError(t, err)
		proxy := serve(t, rec)
		do(t, proxy.Client(), "GET", proxy.URL+"/v1/known", "")
		require.NoError(t, rec.Close())
		return path
	}
	cases := []struct {
		mode          Mode
		knownCalls    int64 // upstream calls for a recorded request
		unknownStatus int
		unknownCalls  int64
		wantSaved     int
	}{
		{ModeOnce, 0, http.StatusBadGateway, 0, 1},
		{ModeNewEpisodes, 0, http.StatusOK, 1, 2},
		{ModeAll, 1, http.StatusOK, 1, 2},
	}
	for _, tc := range cases {
		t.Run(tc.mode.String(), func(t *testing.T) {
			path := seed(t)
			rec, err := NewRecorder(mustURL(t, live.URL), path, RecordOptions{Mode: tc.mode})
			require.NoError(t, err)
			proxy := serve(t, rec)

			before := calls.Load()
			code, _, _ := do(t, proxy.Client(), "GET", proxy.URL+"/v1/known", "")
			assert.Equal(t, http.StatusOK, code)
			assert.Equal(t, tc.knownCalls, calls.Load()-before, "upstream calls for a known request")

			before = calls.Load()
			code, body, _ := do(t, proxy.Client(), "GET", proxy.URL+"/v1/unknown", "")
			assert.Equal(t, tc.unknownStatus, code)
			if tc.mode == ModeOnce { // the miss says why in the library's terms: no flag
				assert.Contains(t, body, "exists and the mode is once: the mode new-episodes adds to it")
				assert.NotContains(t, body, "--")
			}
			assert.Equal(t, tc.unknownCalls, calls.Load()-before, "upstream calls for a new request")

			require.NoError(t, rec.Close())
			c, err := Load(path)
			require.NoError(t, err)
			assert.Len(t, c.Interactions, tc.wantSaved)
		})
	}
}

func TestRecordRejectsBadInput(t *testing.T) {
	_, err := NewRecorder(mustURL(t, "/relative"), tempPath(t, "x.yaml"), RecordOptions{})
	assert.ErrorContains(t, err, "absolute http(s) URL")

	path := tempPath(t, "corrupt.yaml")
	writeFile(t, path, "version: 2\ninteractions: [\n")
	_, err = NewRecorder(mustURL(t, "http://127.0.0.1:1"), path, RecordOptions{Mode: ModeNewEpisodes})
	assert.True(t, errors.Is(err, ErrInvalidCassette), "%v", err)
	// Counterpart: mode all ignores (and later replaces) the old file.
	_, err = NewRecorder(mustURL(t, "http://127.0.0.1:1"), path, RecordOptions{Mode: ModeAll})
	assert.NoError(t, err)
}

func TestRecordUpstreamDown(t *testing.T) {
	path := tempPath(t, "down.yaml")
	var logs bytes.Buffer
	rec, err := NewRecorder(mustURL(t, "http://127.0.0.1:1"), path, RecordOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	require.NoError(t, err)
	proxy := serve(t, rec)
	code, body, _ := do(t, proxy.Client(), "GET", proxy.URL+"/v1/x?api_key=very-secret-1", "")
	assert.Equal(t, http.StatusBadGateway, code)
	assert.Contains(t, body, "upstream unreachable")
	assert.Contains(t, logs.String(), "upstream request failed")
	assert.Contains(t, logs.String(), "api_key=%5BREDACTED%5D")
	assert.NotContains(t, logs.String(), "very-secret-1")
	assert.ErrorIs(t, rec.Close(), ErrEmptyCassette, "failed exchanges are not recorded")
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{"once": ModeOnce, "new-episodes": ModeNewEpisodes, "all": ModeAll} {
		got, err := ParseMode(in)
		require.NoError(t, err)
		assert.Equal(t, want, got)
		assert.Equal(t, in, got.String())
	}
	_, err := ParseMode("sometimes")
	assert.ErrorContains(t, err, "use once, new-episodes or all")
}

// TestRecordCloseDuringTraffic is what a SIGINT handler does: Close while
// requests are in flight. What was answered 200 is exactly what is saved.
func TestRecordCloseDuringTraffic(t *testing.T) {
	mux, _, _ := countingUpstream(t)
	live := serve(t, mux)
	path := tempPath(t, "busy.yaml")
	rec, err := NewRecorder(mustURL(t, live.URL), path, RecordOptions{})
	require.NoError(t, err)
	proxy := serve(t, rec)

	var ok, tries atomic.Int64
	done := make(chan struct{})
	tried := make(chan struct{}, 1) // a request came back, one way or another
	until := func(cond func() bool) {
		for !cond() {
			select {
			case <-tried:
			case <-time.After(10 * time.Second):
				t.Fatal("the workers stopped making requests")
			}
		}
	}
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				resp, err := proxy.Client().Get(fmt.Sprintf("%s/v1/w%d/%d", proxy.URL, w, i))
				tries.Add(1)
				select {
				case tried <- struct{}{}:
				default:
				}
				if err != nil {
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					ok.Add(1)
				}
			}
		}(w)
	}
	until(func() bool { return ok.Load() >= 20 })
	require.NoError(t, rec.Close())
	closedAt := tries.Load()
	until(func() bool { return tries.Load() >= closedAt+16 }) // some requests meet the closed recorder
	close(done)
	wg.Wait()

	c, err := Load(path)
	require.NoError(t, err)
	assert.EqualValues(t, ok.Load(), len(c.Interactions))
}

func TestRecordUpstreamWithBasePath(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v2/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "item %s", r.PathValue("id"))
	})
	live := serve(t, mux)
	path := tempPath(t, "base.yaml")
	rec, err := NewRecorder(mustURL(t, live.URL+"/api/v2"), path, RecordOptions{})
	require.NoError(t, err)
	proxy := serve(t, rec)
	_, body, _ := do(t, proxy.Client(), "GET", proxy.URL+"/items/7", "")
	require.Equal(t, "item 7", body, "the proxy prefixes the upstream's path")
	require.NoError(t, rec.Close())

	c, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, live.URL+"/api/v2/items/7", c.Interactions[0].Request.URL)
	srv := serve(t, NewReplayer(c, ReplayOptions{}))
	_, body, _ = do(t, srv.Client(), "GET", srv.URL+"/items/7", "")
	assert.Equal(t, "item 7", body, "replay answers the path the client used")
}
