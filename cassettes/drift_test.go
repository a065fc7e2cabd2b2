package cassettes

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func liveAPI(t *testing.T) (base string, posts *atomic.Int64, auth *atomic.Value) {
	posts, auth = &atomic.Int64{}, &atomic.Value{}
	mux := http.NewServeMux()
	jsonOK := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			auth.Store(r.Header.Get("Authorization") + "|" + r.Header.Get("X-Live-Key"))
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			fmt.Fprint(w, body)
		}
	}
	mux.Handle("GET /v1/users/1", jsonOK(`{"id":"u_999","name":"B","age":"30","tags":["y"],
		"address":{"city":"Y","zip":"1"},"created":1800000000,"extra":true,"token":42,"items":[{"sku":"a"},{"sku":"b","qty":2}]}`))
	mux.Handle("GET /v1/same", jsonOK(`{"id":"other-id","at":"2030-01-01T00:00:00Z","n":[1,2,3]}`))
	mux.HandleFunc("GET /v1/html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<p>moved</p>")
	})
	mux.HandleFunc("POST /v1/charges", func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":"ch_1"}`)
	})
	return serve(t, mux).URL, posts, auth
}

func driftCassette() *Cassette {
	user := it("GET", "https://api.recorded.test/v1/users/1", "", 200,
		`{"id":"u_1","name":"A","age":30,"email":null,"tags":["x"],"address":{"city":"X"},"created":1700000000,
		"token":"[REDACTED]","items":[{"sku":"a","qty":1}]}`)
	user.Request.Headers.Set("Authorization", Placeholder)
	return cassetteOf(
		user,
		it("GET", "https://api.recorded.test/v1/same", "", 200, `{"id":"some-id","at":"2026-01-01T00:00:00Z","n":[7]}`),
		it("GET", "https://api.recorded.test/v1/gone", "", 200, `{}`),
		it("POST", "https://api.recorded.test/v1/charges", `{"amount":1}`, 200, `{"id":"ch_0"}`),
		it("GET", "https://api.recorded.test/v1/html", "", 200, `{}`),
	)
}

func TestDrift(t *testing.T) {
	base, posts, auth := liveAPI(t)
	results, err := Drift(context.Background(), driftCassette(), nil, mustURL(t, base),
		DriftOptions{Header: http.Header{"X-Live-Key": {"live"}}})
	require.NoError(t, err)
	require.Len(t, results, 5)

	var user []string
	for _, d := range results[0].Differences {
		user = append(user, fmt.Sprintf("%s %s %s->%s %s", d.Path, d.Kind, d.Recorded, d.Live, d.Severity))
	}
	assert.ElementsMatch(t, []string{
		"$.age type-changed number->string breaking",
		"$.email null-vs-missing null->missing breaking",
		"$.address.zip added missing->string additive",
		"$.extra added missing->boolean additive",
	}, user, "ids, names, timestamps and the redacted token are not drift")
	assert.Equal(t, SeverityBreaking, results[0].Severity)
	assert.Equal(t, "|live", auth.Load(), "redacted credential not sent, extra header sent")

	// Counterpart: same shape, different values: no drift.
	assert.Empty(t, results[1].Differences)
	assert.Equal(t, SeverityNone, results[1].Severity)

	assert.Equal(t, DiffStatusClass, results[2].Differences[0].Kind)
	assert.Equal(t, 404, results[2].LiveStatus)
	assert.Equal(t, "POST is not a safe method; not sent: IncludeUnsafe is off", results[3].Skipped)
	assert.Zero(t, posts.Load(), "unsafe methods are not sent by default")
	assert.Equal(t, DiffContentType, results[4].Differences[0].Kind)
	assert.Equal(t, SeverityBreaking, WorstSeverity(results))
	b, err := json.Marshal(results[0])
	require.NoError(t, err)
	assert.Contains(t, string(b), `"severity":"breaking"`)
	assert.Equal(t, "Severity(7)", Severity(7).String())
}

func TestDriftAdditiveOnlyAndUnsafe(t *testing.T) {
	base, posts, _ := liveAPI(t)
	c := cassetteOf(
		it("GET", "https://api.recorded.test/v1/same", "", 200, `{"id":"x","n":[]}`),
		it("POST", "https://api.recorded.test/v1/charges", `{"amount":1}`, 200, `{"id":"ch_0"}`),
	)
	c.Interactions[0].Response.Body = `{"id":"x"}`
	results, err := Drift(context.Background(), c, nil, mustURL(t, base), DriftOptions{IncludeUnsafe: true})
	require.NoError(t, err)
	assert.Equal(t, SeverityAdditive, WorstSeverity(results))
	assert.EqualValues(t, 1, posts.Load())
}

func TestDriftUsesRecordedHostWithoutBase(t *testing.T) {
	base, _, _ := liveAPI(t)
	c := cassetteOf(it("GET", base+"/v1/same?api_key=%5BREDACTED%5D", "", 200, `{"id":"x","at":"y","n":[1]}`))
	results, err := Drift(context.Background(), c, nil, nil, DriftOptions{})
	require.NoError(t, err)
	assert.Equal(t, 200, results[0].LiveStatus)
	assert.Equal(t, SeverityNone, results[0].Severity)
}

func TestDriftUnreachableAndCancelled(t *testing.T) {
	c := cassetteOf(it("GET", "http://127.0.0.1:1/v1/x", "", 200, `{}`))
	results, err := Drift(context.Background(), c, nil, nil, DriftOptions{})
	require.NoError(t, err)
	assert.NotEmpty(t, results[0].Err)
	assert.Equal(t, SeverityBreaking, results[0].Severity)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Drift(ctx, c, nil, nil, DriftOptions{})
	assert.ErrorIs(t, err, context.Canceled)
}
