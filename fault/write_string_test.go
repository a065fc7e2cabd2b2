package fault

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stringWriter is a ResponseWriter that, like net/http's, has WriteString,
// and counts how each write reached it.
type stringWriter struct {
	h              http.Header
	body           []byte
	writes, string int
}

func (w *stringWriter) Header() http.Header { return w.h }
func (w *stringWriter) WriteHeader(int)     {}
func (w *stringWriter) Write(p []byte) (int, error) {
	w.writes++
	w.body = append(w.body, p...)
	return len(p), nil
}
func (w *stringWriter) WriteString(s string) (int, error) {
	w.string++
	w.body = append(w.body, s...)
	return len(s), nil
}

// TestBaseWritesStringsWithoutACopy: a base handler's io.WriteString (a
// replayed body is a string) reaches the connection's WriteString, with
// no copy into a byte slice on the way (no allocation), and the journal
// counts its status and bytes as for Write.
func TestBaseWritesStringsWithoutACopy(t *testing.T) {
	const body = `{"id":"cus_00042","object":"customer","email":"u42@example.com","balance":294}`
	base := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, body) })
	h := Wrap(base, nil)
	r := httptest.NewRequest("GET", "/v1/customers/cus_00042", nil)
	w := &stringWriter{h: http.Header{}}
	h.ServeHTTP(w, r)
	assert.Equal(t, body, string(w.body))
	assert.Equal(t, 1, w.string, "WriteString calls")
	assert.Zero(t, w.writes, "Write calls")
	e := h.Journal().Entries()
	require.Len(t, e, 1)
	assert.Equal(t, http.StatusOK, e[0].Status)
	assert.Equal(t, int64(len(body)), e[0].BytesSent)

	rec := &recorder{ResponseWriter: &stringWriter{h: http.Header{}}}
	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = io.WriteString(rec, body) }))
}
