package resilience

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWithRootCAsTrustsThePoolAndNothingOlderThanTLS12(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())

	_, err := New(testPolicy()).Do(context.Background(), &Request{URL: srv.URL})
	require.Error(t, err, "the system roots do not know the test CA")
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 1, e.Attempts, "a certificate error is not retried")

	resp, err := New(testPolicy(), WithRootCAs(pool)).Do(context.Background(), &Request{URL: srv.URL})
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)

	old := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	old.TLS = &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}
	old.StartTLS()
	defer old.Close()
	pool.AddCert(old.Certificate())
	_, err = New(testPolicy(), WithRootCAs(pool)).Do(context.Background(), &Request{URL: old.URL})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "protocol version")
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 1, e.Attempts, "an old-protocol upstream is not retried either")
}
