package fault

import (
	"crypto/tls"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/fault/tlsfault"
	"github.com/faultline-dev/faultline/internal/secrets"
)

// tlsServer serves a 200 at /x over HTTPS as p says.
func tlsServer(t *testing.T, p *tlsfault.Plan) *Server {
	t.Helper()
	plan, err := LoadPlan("p.yaml", []byte("routes:\n  - path: /x\n    respond: {status: 200}\n"))
	require.NoError(t, err)
	cfg, err := tlsfault.New(p)
	require.NoError(t, err)
	s, err := Listen("127.0.0.1:0", Wrap(nil, plan), cfg)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

// waitHandshakes polls until n failed handshakes are recorded: the server
// records one when its side of the handshake returns, a moment after the
// client's.
func waitHandshakes(t *testing.T, s *Server, n int) []tlsfault.Handshake {
	t.Helper()
	require.Eventually(t, func() bool { return len(s.Handshakes()) >= n }, 5*time.Second, time.Millisecond)
	return s.Handshakes()
}

func TestTLSBadCertificatesAreRefusedAndJournaled(t *testing.T) {
	for cert, clientSays := range map[string]string{
		tlsfault.CertSelfSigned: "certificate signed by unknown authority",
		tlsfault.CertExpired:    "certificate has expired",
		tlsfault.CertWrongHost:  "certificate is valid for 192.0.2.10, not 127.0.0.1",
	} {
		t.Run(cert, func(t *testing.T) {
			s := tlsServer(t, &tlsfault.Plan{Certificate: cert})
			_, err := s.Client().Get(s.URL + "/x")
			require.Error(t, err)
			assert.Contains(t, err.Error(), clientSays)
			hs := waitHandshakes(t, s, 1)
			assert.Contains(t, hs[0].Error, "remote error: tls: ", "the client's alert")
			assert.Empty(t, s.Journal().Entries(), "no request reached the upstream")

			insecure := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
			resp, err := insecure.Get(s.URL + "/x")
			require.NoError(t, err, "InsecureSkipVerify accepts anything")
			resp.Body.Close()
			assert.Len(t, s.Journal().Entries(), 1)
		})
	}
}

func TestTLSValidChainIsAccepted(t *testing.T) {
	s := tlsServer(t, &tlsfault.Plan{Certificate: tlsfault.CertValid})
	resp, err := s.Client().Get(s.URL + "/x")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Empty(t, s.Handshakes())
}

func TestTLSOldProtocolOnly(t *testing.T) {
	s := tlsServer(t, &tlsfault.Plan{Certificate: tlsfault.CertValid, MaxVersion: tls.VersionTLS11})
	_, err := s.Client().Get(s.URL + "/x")
	require.Error(t, err, "TLS 1.2 at least")
	assert.Contains(t, err.Error(), "protocol version")
	hs := waitHandshakes(t, s, 1)
	assert.Contains(t, hs[0].Error, "unsupported versions")

	old := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.tls.Pool, MinVersion: tls.VersionTLS10}}}
	resp, err := old.Get(s.URL + "/x")
	require.NoError(t, err, "a client that still allows TLS 1.1 connects")
	resp.Body.Close()
	assert.Equal(t, uint16(tls.VersionTLS11), resp.TLS.Version)
}

func TestTLSPlanDecode(t *testing.T) {
	p, err := LoadPlan("p.yaml", []byte("tls: {certificate: expired, max_version: \"1.1\"}\nroutes:\n  - path: /x\n"))
	require.NoError(t, err)
	assert.Equal(t, &tlsfault.Plan{Certificate: tlsfault.CertExpired, MaxVersion: tls.VersionTLS11}, p.TLS)
	assert.Equal(t, "an expired certificate, TLS 1.1 at most", p.TLS.String())
	for src, want := range map[string]string{
		"tls: {certificate: forged}":  `tls.certificate: "forged": use valid, self_signed, expired or wrong_host`,
		"tls: {max_version: \"1.3\"}": `tls.max_version: "1.3": give "1.0" or "1.1"`,
		"tls: {cert: expired}":        `unknown key "cert"`,
	} {
		_, err := LoadPlan("p.yaml", []byte(src+"\nroutes:\n  - path: /x\n"))
		require.Error(t, err, src)
		assert.Contains(t, err.Error(), want, src)
	}
}

func TestTLSRedirectToPlainHTTPOnTheSamePort(t *testing.T) {
	plan, err := LoadPlan("p.yaml", []byte(`
tls: {plain_http: true}
routes:
  - path: /files/**
    respond: {status: 200, body: "id\n"}
  - path: /v1/export
    faults:
      - redirect: {scheme: http, host: 127.0.0.1, path: /files/x.csv}
`))
	require.NoError(t, err)
	cfg, err := tlsfault.New(plan.TLS)
	require.NoError(t, err)
	s, err := Listen("127.0.0.1:0", Wrap(nil, plan), cfg)
	require.NoError(t, err)
	defer s.Close()
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/v1/export", nil)
	req.Header.Set("Authorization", "Bearer secret")
	resp, err := s.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	es := s.Journal().Entries()
	require.Len(t, es, 2)
	assert.True(t, es[0].TLS)
	assert.Equal(t, "http", es[0].Faults[0].Params["scheme"])
	assert.False(t, es[1].TLS, "the same port answered plain HTTP")
	assert.Equal(t, "Bearer "+secrets.Placeholder, es[1].Headers["Authorization"], "Go's client keeps Authorization on a downgrade to the same host")
}
