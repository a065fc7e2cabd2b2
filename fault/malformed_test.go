package fault

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMalformed(t *testing.T) {
	cases := map[string]func(t *testing.T, resp *http.Response, body string){
		"{mode: invalid_json}": func(t *testing.T, _ *http.Response, body string) {
			assert.False(t, jsonValid(body), body)
		},
		"{mode: wrong_content_type}": func(t *testing.T, resp *http.Response, _ string) {
			assert.Contains(t, resp.Header.Get("Content-Type"), "text/html")
		},
		"{mode: empty_body}":                           func(t *testing.T, _ *http.Response, body string) { assert.Empty(t, body) },
		"{mode: remove_field, field: amount}":          func(t *testing.T, _ *http.Response, b string) { assert.NotContains(t, b, "amount") },
		"{mode: rename_field, field: amount, to: amt}": func(t *testing.T, _ *http.Response, b string) { assert.Contains(t, b, `"amt":100`) },
		"{mode: null_field, field: customer.name}":     func(t *testing.T, _ *http.Response, b string) { assert.Contains(t, b, `"name":null`) },
		"{mode: change_type, field: amount}":           func(t *testing.T, _ *http.Response, b string) { assert.Contains(t, b, `"amount":"100"`) },
	}
	for params, check := range cases {
		t.Run(params, func(t *testing.T) {
			s := servePlan(t, okRoute+"      - malformed: "+params+"\n")
			resp, err := s.Client().Get(s.URL + "/x")
			require.NoError(t, err)
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			check(t, resp, string(body))
		})
	}
}

func TestMalformedWorksForGzipClientsInProxyMode(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		body := []byte(`{"id":"ch_1","amount":100}`)
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			w.Header().Set("Content-Encoding", "gzip")
			gz := gzip.NewWriter(w)
			_, _ = gz.Write(body)
			_ = gz.Close()
			return
		}
		_, _ = w.Write(body)
	}))
	defer up.Close()
	u, _ := url.Parse(up.URL)
	p, err := LoadPlan("p.yaml", []byte("routes:\n  - path: /x\n    faults:\n      - malformed: {mode: remove_field, field: amount}\n"))
	require.NoError(t, err)
	s, err := Listen("127.0.0.1:0", Wrap(NewProxy(u), p), nil)
	require.NoError(t, err)
	defer s.Close()
	resp, err := http.Get(s.URL + "/x") // Go's client asks for gzip
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.JSONEq(t, `{"id":"ch_1"}`, string(body))
}
