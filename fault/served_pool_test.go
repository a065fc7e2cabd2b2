package fault

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/fault/journal"
)

// TestReusedRequestStateLeaksNothing: a request served after another one
// (whose journal entry, recorder and effect step the handler reuses when
// no fault touched it) gets the entry and log line it gets after a plain
// request: nothing of a rich request (its body, headers, query, route,
// status, effect) or of a faulted one reaches the next.
func TestReusedRequestStateLeaksNothing(t *testing.T) {
	p, err := LoadPlan("p.yaml", []byte("routes:\n  - path: /x\n    respond: {status: 201, body: 'made'}\n"+
		"  - path: /f\n    faults:\n      - status: {code: 503}\n"))
	require.NoError(t, err)
	var logs bytes.Buffer
	noTime := func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey || a.Key == "seq" {
			return slog.Attr{}
		}
		return a
	}
	h := Wrap(nil, p, WithClock(newFakeClock()), WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{ReplaceAttr: noTime}))))
	rich := func() *http.Request {
		r := httptest.NewRequest("POST", "/x?api_key=sk_live_abc&page=2", strings.NewReader(`{"amount":1}`))
		r.Header.Set("Idempotency-Key", "idem-1")
		r.Header.Set("X-Request-Id", "rid-1")
		r.Header.Set("Authorization", "Bearer sk_live_secret")
		r.Header.Set("Traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
		return r
	}
	plain := func() *http.Request { return httptest.NewRequest("GET", "/nowhere", nil) }
	faulted := func() *http.Request { return httptest.NewRequest("GET", "/f", nil) }
	type seen struct {
		entry journal.Entry
		line  string
	}
	serve := func(r *http.Request) seen {
		logs.Reset()
		h.ServeHTTP(httptest.NewRecorder(), r)
		es := h.Journal().Entries()
		e := es[len(es)-1]
		e.Seq = 0
		return seen{e, logs.String()}
	}
	plainAfterPlain := func() seen { serve(plain()); return serve(plain()) }
	richAfterPlain := func() seen { serve(plain()); return serve(rich()) }
	want := map[string]seen{"plain": plainAfterPlain(), "rich": richAfterPlain()}
	assert.Equal(t, 404, want["plain"].entry.Status)
	assert.Equal(t, 201, want["rich"].entry.Status)
	assert.True(t, want["rich"].entry.Effect)
	assert.NotEmpty(t, want["rich"].entry.Headers)
	kinds := map[string]func() *http.Request{"plain": plain, "rich": rich}
	for _, c := range []struct {
		before []func() *http.Request
		last   string
	}{{[]func() *http.Request{rich}, "plain"}, {[]func() *http.Request{faulted}, "plain"}, {[]func() *http.Request{rich}, "rich"},
		{[]func() *http.Request{faulted}, "rich"}, {[]func() *http.Request{rich, faulted}, "plain"}} {
		for _, r := range c.before {
			serve(r())
		}
		assert.Equal(t, want[c.last], serve(kinds[c.last]()), "%s after %d requests", c.last, len(c.before))
	}
}

// TestRouteWithoutRulesAllocatesNothing: a request no fault touches
// allocates nothing of the handler's own (the pooled request state).
func TestRouteWithoutRulesAllocatesNothing(t *testing.T) {
	base := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	h := Wrap(base, &Plan{Routes: []Route{{Name: "x", Match: Match{Path: "/x"}}}})
	r := httptest.NewRequest("GET", "/x", nil)
	r.Header.Set("User-Agent", "Go-http-client/1.1")
	w := &stringWriter{h: http.Header{}}
	for range journal.DefaultSize { // the journal full: its growth is not the handler's per request
		h.ServeHTTP(w, r)
	}
	assert.Zero(t, testing.AllocsPerRun(1000, func() { h.ServeHTTP(w, r) }))
	assert.Equal(t, http.StatusNoContent, h.Journal().Entries()[0].Status)
}
