package cassettes

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/dnaeon/go-vcr.v3/cassette"
	"gopkg.in/dnaeon/go-vcr.v3/recorder"
)

// upstream is a small live API for recording tests.
func upstream(t *testing.T) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":%q,"q":%q}`, r.PathValue("id"), r.URL.Query().Get("q"))
	})
	mux.HandleFunc("POST /v1/charges", func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 256)
		n, _ := r.Body.Read(b)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"echo":%s}`, b[:n])
	})
	return mux
}

func TestGoVCRCassetteReplaysInFaultline(t *testing.T) {
	live := serve(t, upstream(t))
	name := filepath.Join(t.TempDir(), "govcr")
	rec, err := recorder.NewWithOptions(&recorder.Options{CassetteName: name, Mode: recorder.ModeRecordOnly})
	require.NoError(t, err)
	client := rec.GetDefaultClient()
	do(t, client, "GET", live.URL+"/v1/items/7?q=a", "")
	do(t, client, "POST", live.URL+"/v1/charges", `{"amount":1}`, "Content-Type", "application/json")
	do(t, client, "POST", live.URL+"/v1/charges", `{"amount":2}`, "Content-Type", "application/json")
	require.NoError(t, rec.Stop())

	c, err := Load(name + ".yaml")
	require.NoError(t, err)
	srv := serve(t, NewReplayer(c, ReplayOptions{}))
	cases := []struct{ method, path, body, want string }{
		{"POST", "/v1/charges", `{"amount":2}`, `{"echo":{"amount":2}}`},
		{"GET", "/v1/items/7?q=a", "", `{"id":"7","q":"a"}`},
		{"POST", "/v1/charges", `{"amount":1}`, `{"echo":{"amount":1}}`},
	}
	for _, tc := range cases {
		code, body, _ := do(t, srv.Client(), tc.method, srv.URL+tc.path, tc.body, "Content-Type", "application/json")
		assert.Less(t, code, 300, tc.path)
		assert.Equal(t, tc.want, body)
	}
	// Failing counterpart: a request go-vcr never recorded is not answered.
	code, _, _ := do(t, srv.Client(), "GET", srv.URL+"/v1/items/8?q=a", "")
	assert.Equal(t, http.StatusBadGateway, code)
}

func TestFaultlineCassetteLoadsInGoVCR(t *testing.T) {
	live := serve(t, upstream(t))
	u := mustURL(t, live.URL)
	path := tempPath(t, "fl.yaml")
	rec, err := NewRecorder(u, path, RecordOptions{Version: "v1.2.3"})
	require.NoError(t, err)
	proxy := serve(t, rec)
	do(t, proxy.Client(), "GET", proxy.URL+"/v1/items/3?q=z", "")
	require.NoError(t, rec.Close())

	vcr, err := recorder.NewWithOptions(&recorder.Options{CassetteName: strings.TrimSuffix(path, ".yaml"),
		Mode: recorder.ModeReplayOnly, SkipRequestLatency: true})
	require.NoError(t, err)
	code, body, _ := do(t, vcr.GetDefaultClient(), "GET", live.URL+"/v1/items/3?q=z", "")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, `{"id":"3","q":"z"}`, body)

	// Metadata survives alongside go-vcr's fields.
	c, err := Load(path)
	require.NoError(t, err)
	require.NotNil(t, c.Meta)
	assert.Equal(t, "v1.2.3", c.Meta.Version)
	assert.False(t, c.Interactions[0].RecordedAt.IsZero())

	// Failing counterpart: go-vcr rejects what it cannot replay.
	_, err = vcr.GetDefaultClient().Get(live.URL + "/v1/items/4")
	assert.ErrorIs(t, err, cassette.ErrInteractionNotFound)
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	require.NoError(t, err)
	return u
}

func TestSaveLoadRoundTrip(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := cassetteOf(it("POST", "http://api.test/v1/a?x=1", `{"a":1}`, 201, "line1\nline2\n"))
	c.Interactions[0].RecordedAt = at
	c.Interactions[0].Response.Duration = 1500 * time.Millisecond
	c.Meta = &Meta{Version: "v9", RecordedAt: at, Upstream: "http://api.test"}
	path := tempPath(t, "sub/dir/c.yaml")
	require.NoError(t, c.Save(path))

	got, err := Load(path)
	require.NoError(t, err)
	want, have := c.Interactions[0].Response, got.Interactions[0].Response
	assert.Equal(t, []any{want.Body, want.Code, want.Status, want.Duration, want.Headers},
		[]any{have.Body, have.Code, have.Status, have.Duration, have.Headers})
	assert.Equal(t, c.Interactions[0].Request.Body, got.Interactions[0].Request.Body)
	assert.Equal(t, *c.Meta, *got.Meta)
	assert.Equal(t, at, got.RecordedAt())
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file left behind")
}

func TestSaveRefusesEmptyCassette(t *testing.T) {
	path := tempPath(t, "empty.yaml")
	err := (&Cassette{Version: FormatVersion}).Save(path)
	assert.ErrorIs(t, err, ErrEmptyCassette)
	assert.NoFileExists(t, path)
	// Counterpart: one interaction is written.
	require.NoError(t, cassetteOf(it("GET", "http://a/", "", 200, "")).Save(path))
	assert.FileExists(t, path)
}

const validYAML = `---
version: 2
interactions:
    - id: 0
      request:
        body: ""
        url: http://api.test/v1/items
        method: GET
      response:
        body: '{"ok":true}'
        status: 200 OK
        code: 200
        duration: 5ms
`

func TestLoadRejectsBadFilesWithLine(t *testing.T) {
	cases := []struct {
		name, content, want string
		line                int
	}{
		{"empty", "", "file is empty", 1},
		{"not a mapping", "- a\n- b\n", "not a cassette", 1},
		{"syntax", "version: 2\ninteractions: [\n  {id: 0\n", "did not find", 2},
		{"wrong type", "version: 2\ninteractions: {a: 1}\n", "cannot unmarshal", 2},
		{"version word", "version: two\n", `version "two" is not supported`, 1},
		{"version 3", "version: 3\ninteractions: []\n", `version "3" is not supported`, 1},
		{"second document", validYAML + "---\nversion: 2\n", "a second YAML document", strings.Count(validYAML, "\n") + 2},
		{"bad duration", strings.Replace(validYAML, "duration: 5ms", "duration: soon", 1), `response.duration "soon" is not a duration`, 13},
		{"no interactions", "version: 2\ninteractions:\n", "no interactions", 2},
		{"truncated before response", validYAML[:strings.Index(validYAML, "      response:")], "response.code 0", 4},
		{"truncated in body", validYAML[:strings.Index(validYAML, "ok\":")], "", 0},
		{"fractional code", strings.Replace(validYAML, "code: 200", "code: 200.5", 1), "interactions[0].response.code: 200.5 is not a whole number; fix the file", 12},
		{"missing method", strings.Replace(validYAML, "method: GET", "method: \"\"", 1), "request.method is missing", 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := tempPath(t, "bad.yaml")
			writeFile(t, path, tc.content)
			_, err := Load(path)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidCassette)
			var fe *FormatError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, path, fe.File)
			assert.Contains(t, err.Error(), tc.want)
			if tc.line > 0 {
				assert.Equal(t, tc.line, fe.Line, err.Error())
				assert.Contains(t, err.Error(), fmt.Sprintf("%s:%d:", path, tc.line))
			} else {
				assert.Positive(t, fe.Line, err.Error())
			}
			assert.NotContains(t, err.Error(), "\n")
		})
	}
	// Counterpart: the untruncated file loads.
	path := tempPath(t, "good.yaml")
	writeFile(t, path, validYAML)
	c, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, 5*time.Millisecond, c.Interactions[0].Response.Duration)
}

func TestLoadMissingFileIsNotFormatError(t *testing.T) {
	_, err := Load(tempPath(t, "nope.yaml"))
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.False(t, errors.Is(err, ErrInvalidCassette))
}

func TestCheckAge(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := cassetteOf(it("GET", "http://a/", "", 200, ""))
	c.Interactions[0].RecordedAt = at
	cases := []struct {
		name    string
		maxAge  time.Duration
		now     time.Time
		expired bool
	}{
		{"older than max", 24 * time.Hour, at.Add(48 * time.Hour), true},
		{"younger than max", 24 * time.Hour, at.Add(time.Hour), false},
		{"check disabled", 0, at.Add(1000 * time.Hour), false},
	}
	for _, tc := range cases {
		err := c.CheckAge(tc.maxAge, tc.now)
		assert.Equal(t, tc.expired, errors.Is(err, ErrExpired), tc.name)
	}
}

func TestRecordedAtFallsBackToFileTime(t *testing.T) {
	path := tempPath(t, "c.yaml")
	writeFile(t, path, validYAML)
	old := time.Now().Add(-72 * time.Hour).Truncate(time.Second)
	require.NoError(t, os.Chtimes(path, old, old))
	c, err := Load(path)
	require.NoError(t, err)
	assert.True(t, c.RecordedAt().Equal(old))
	assert.ErrorIs(t, c.CheckAge(time.Hour, time.Now()), ErrExpired)
}

// TestSaveSurvivesKill kills a process that keeps rewriting a cassette; the
// file on disk must always load whole.
func TestSaveSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	path := tempPath(t, "kill.yaml")
	require.NoError(t, cassetteOf(it("GET", "http://api.test/old", "", 200, "old")).Save(path))
	for _, delay := range []time.Duration{15, 40, 90} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "FAULTLINE_SAVE_LOOP="+path)
		require.NoError(t, cmd.Start())
		time.Sleep(delay * time.Millisecond)
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		_ = cmd.Wait()
		c, err := Load(path)
		require.NoError(t, err, "after SIGKILL at %v", delay)
		n := len(c.Interactions)
		assert.True(t, n == 1 || n == 400, "whole cassette, got %d interactions", n)
		// The next save removes what the killed one left behind.
		require.NoError(t, c.Save(path))
		temps, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".kill.yaml.tmp-*"))
		assert.Empty(t, temps, "temporary files after the next save")
	}
}
