package cassettes

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/faultline-dev/faultline/internal/secrets"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// realWorld returns the folder of real cassettes and HAR files that other
// projects recorded (../shared/realworld beside the checkout), or skips.
func realWorld(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		p := filepath.Join(dir, "shared", "realworld")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("real-world files not found: ../shared/realworld beside the checkout holds them (see its SOURCES.md)")
		}
		dir = parent
	}
}

func realFiles(t *testing.T, sub, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(realWorld(t), sub, pattern))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no %s in %s", pattern, sub)
	sort.Strings(files)
	return files
}

// replayAll sends every recorded request of c, in recorded order, to a
// replayer of c and returns how many came back with their recorded status,
// content type and body; failures explain the first few that did not.
func replayAll(c *Cassette) (ok int, failures []string) {
	rp := NewReplayer(c, ReplayOptions{})
	for _, it := range c.Interactions {
		req := recordedRequest(it)
		w := httptest.NewRecorder()
		rp.ServeHTTP(w, req)
		res := w.Result()
		got := w.Body.String()
		want := it.Response
		switch {
		case res.StatusCode != want.Code:
			failures = append(failures, fmt.Sprintf("#%d %s %s: status %d, recorded %d: %s", it.ID, it.Request.Method, it.Request.URL, res.StatusCode, want.Code, short(got)))
		case res.Header.Get("Content-Type") != want.Headers.Get("Content-Type"):
			failures = append(failures, fmt.Sprintf("#%d: content type %q, recorded %q", it.ID, res.Header.Get("Content-Type"), want.Headers.Get("Content-Type")))
		case got != want.Body:
			failures = append(failures, fmt.Sprintf("#%d: body of %d bytes, recorded %d", it.ID, len(got), len(want.Body)))
		default:
			ok++
		}
	}
	return ok, failures
}

// recordedRequest rebuilds the request a client sent when it was recorded,
// addressed as a client of the replayer addresses it.
func recordedRequest(it *Interaction) *http.Request {
	req := httptest.NewRequest(it.Request.Method, "/", strings.NewReader(it.Request.Body))
	u, _ := it.Request.URL, 0
	parsed, err := req.URL.Parse(u)
	if err == nil {
		req.URL.Path, req.URL.RawPath, req.URL.RawQuery = parsed.Path, parsed.RawPath, parsed.RawQuery
	}
	req.Header = it.Request.Headers.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	return req
}

// lossless compares what a round trip must keep of each interaction.
func lossless(a, b *Cassette) []string {
	var diffs []string
	if len(a.Interactions) != len(b.Interactions) {
		return []string{fmt.Sprintf("%d interactions, then %d", len(a.Interactions), len(b.Interactions))}
	}
	for i := range a.Interactions {
		x, y := a.Interactions[i], b.Interactions[i]
		check := func(what string, p, q any) {
			if !assert.ObjectsAreEqual(p, q) {
				diffs = append(diffs, fmt.Sprintf("#%d %s: %s then %s", i, what, short(fmt.Sprint(p)), short(fmt.Sprint(q))))
			}
		}
		check("method", x.Request.Method, y.Request.Method)
		check("url", x.Request.URL, y.Request.URL)
		check("request body", x.Request.Body, y.Request.Body)
		check("request headers", x.Request.Headers, y.Request.Headers)
		check("status", x.Response.Code, y.Response.Code)
		check("response headers", x.Response.Headers, y.Response.Headers)
		check("response body", x.Response.Body, y.Response.Body)
		check("duration", x.Response.Duration, y.Response.Duration)
	}
	if a.Meta != nil && (b.Meta == nil || a.Meta.Upstream != b.Meta.Upstream) {
		diffs = append(diffs, fmt.Sprintf("upstream %q lost", a.Meta.Upstream))
	}
	return diffs
}

func roundTrip(c *Cassette) (*Cassette, error) {
	var buf bytes.Buffer
	if err := ExportHAR(&buf, c); err != nil {
		return nil, err
	}
	back, _, err := ImportHAR(&buf, nil)
	return back, err
}

// TestRealWorldCassettes loads every real cassette, replays every recorded
// request, and checks that a HAR round trip keeps everything but secrets.
func TestRealWorldCassettes(t *testing.T) {
	files := realFiles(t, "cassettes", "*.yaml")
	var loaded, requests, replayed, lossy int
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			c, err := Load(f)
			if !assert.NoError(t, err) {
				return
			}
			loaded++
			requests += len(c.Interactions)
			ok, fails := replayAll(c)
			replayed += ok
			assert.Empty(t, fails, "requests that did not replay as recorded")

			redacted := &Cassette{Version: c.Version, Meta: c.Meta, Interactions: append([]*Interaction(nil), c.Interactions...)}
			defaultRedactor.Cassette(redacted)
			back, err := roundTrip(redacted)
			if !assert.NoError(t, err) {
				lossy++
				return
			}
			if d := lossless(redacted, back); !assert.Empty(t, d, "round trip through HAR") {
				lossy++
			}
		})
	}
	t.Logf("cassettes: %d/%d loaded, %d/%d requests replayed, %d/%d round trips lossless",
		loaded, len(files), replayed, requests, loaded-lossy, len(files))
}

// notHAR12 are real files that are not HAR 1.2, and what their refusal
// must say: file, line and the reason.
var notHAR12 = map[string]string{
	"pollyjs-jest-node-fetch-post.har": ":20: log.entries.request.headers.value is a list of values, not a string as HAR 1.2 requires (Polly.JS before 2.0",
}

// TestRealWorldHAR imports every real HAR file and replays every request;
// files that are not HAR 1.2 are refused with file:line.
func TestRealWorldHAR(t *testing.T) {
	files := realFiles(t, "har", "*.har")
	var imported, requests, replayed, lossy int
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			fh, err := os.Open(f)
			require.NoError(t, err)
			defer fh.Close()
			c, _, err := ImportHAR(fh, nil)
			if want, bad := notHAR12[filepath.Base(f)]; bad {
				require.Error(t, err)
				assert.Equal(t, 1, strings.Count(err.Error(), f), "the file is named once")
				assert.Contains(t, err.Error(), f+want)
				return
			}
			if !assert.NoError(t, err) {
				return
			}
			imported++
			requests += len(c.Interactions)
			ok, fails := replayAll(c)
			replayed += ok
			assert.Empty(t, fails, "requests that did not replay as recorded")
			back, err := roundTrip(c)
			if !assert.NoError(t, err) {
				lossy++
				return
			}
			if d := lossless(c, back); !assert.Empty(t, d, "round trip through HAR") {
				lossy++
			}
		})
	}
	t.Logf("HAR: %d/%d imported (%d not HAR 1.2, refused), %d/%d requests replayed, %d/%d round trips lossless",
		imported, len(files), len(notHAR12), replayed, requests, imported-lossy, imported)
}

func importReal(t *testing.T, name string) (*Cassette, []HARNote) {
	t.Helper()
	f, err := os.Open(filepath.Join(realWorld(t), "har", name))
	require.NoError(t, err)
	defer f.Close()
	c, notes, err := ImportHAR(f, nil)
	require.NoError(t, err)
	return c, notes
}

// Chrome writes requests that never got an answer with status 0.
func TestRealHARStatusZeroSkipped(t *testing.T) {
	c, notes := importReal(t, "mitmproxy-chrome.har")
	require.Len(t, notes, 1)
	assert.Equal(t, "log.entries[1] skipped: status 0: the browser got no response (net::ERR_INTERNET_DISCONNECTED)", notes[0].String())
	for _, it := range c.Interactions {
		assert.NotZero(t, it.Response.Code)
	}
}

// The same file saved with and without a byte order mark imports the same.
func TestRealHARByteOrderMark(t *testing.T) {
	a, _ := importReal(t, "mitmproxy-with-bom.har")
	b, _ := importReal(t, "mitmproxy-postdata.har")
	assert.Empty(t, lossless(b, a))
}

// Polly.JS keeps a gzip body as a list of hex chunks (`_isBinary`): it
// replays as the gzip body it was, and an HTTP client reads the JSON.
func TestRealHARPollyBinaryBody(t *testing.T) {
	c, _ := importReal(t, "pollyjs-github-getuser.har")
	srv := serve(t, NewReplayer(c, ReplayOptions{}))
	code, body, resp := do(t, srv.Client(), "GET", srv.URL+"/users/netflix", "")
	assert.Equal(t, 200, code)
	assert.True(t, resp.Uncompressed, "sent gzip-encoded, as recorded")
	assert.Contains(t, body, `"login":"Netflix"`)
	assert.Equal(t, "https://api.github.com", c.Meta.Upstream, "one origin: kept for drift")
}

// realSecrets are the secrets the real cassettes hold, by rule; every other
// file holds none (placeholders such as REDACTED, replace_with_token_value
// and test-client_secret are not secrets).
var realSecrets = map[string]map[string]int{
	"buildpulse-s3-gzip-upload.v1.yaml":     {"aws-access-key": 1},                                  // S3 echoes the key id
	"go-auth0-job-export-users.govcr2.yaml": {"secret-value": 1},                                    // a password with spaces
	"go-lanai-vault.v3.yaml":                {"private-key": 7},                                     // Vault PKI's RSA keys
	"goobjectscale-buckets-xml.v3.yaml":     {"jwt": 12, "credential-header": 2, "secret-value": 6}, // session tokens, Basic and S3 auth
	"linodego-database-mysql-suite.v1.yaml": {"secret-value": 2},                                    // database passwords
}

// TestRealWorldScan: scan reports the real secrets and no placeholders,
// and nothing faultline writes from these files keeps secret material.
func TestRealWorldScan(t *testing.T) {
	for _, f := range realFiles(t, "cassettes", "*.yaml") {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			found, err := Scan(f)
			require.NoError(t, err)
			got := map[string]int{}
			for _, fd := range found {
				got[fd.Rule]++
			}
			want := realSecrets[name]
			if want == nil {
				want = map[string]int{}
			}
			assert.Equal(t, want, got, "%v", found)

			c, err := Load(f)
			require.NoError(t, err)
			defaultRedactor.Cassette(c)
			assertNoSecrets(t, c)
		})
	}
	for _, f := range realFiles(t, "har", "*.har") {
		if _, bad := notHAR12[filepath.Base(f)]; bad {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			c, _ := importReal(t, filepath.Base(f))
			assertNoSecrets(t, c)
		})
	}
}

// assertNoSecrets saves c as a cassette and as HAR: the cassette scans
// clean and neither file holds a known secret format.
func assertNoSecrets(t *testing.T, c *Cassette) {
	t.Helper()
	path := tempPath(t, "out.yaml")
	require.NoError(t, c.Save(path))
	found, err := Scan(path)
	require.NoError(t, err)
	assert.Empty(t, found, "the saved cassette")
	var har bytes.Buffer
	require.NoError(t, ExportHAR(&har, c))
	for _, line := range strings.Split(har.String(), "\n") {
		if ms := secrets.Find(line); len(ms) > 0 {
			t.Errorf("exported HAR holds a %s: %s", ms[0].Rule, short(line))
		}
	}
}
