package resilience

import (
	"crypto/tls"
	"crypto/x509"
)

// WithRootCAs makes the client's own transport trust the certificate
// authorities in pool instead of the system's (a private CA, a test
// upstream's). Verification stays on and TLS 1.2 is the minimum: there is
// deliberately no option to skip either. It replaces a transport set with
// WithTransport given before it.
func WithRootCAs(pool *x509.CertPool) Option {
	return func(c *Client) {
		tr := newTransport(c.p.Timeouts)
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		c.rt, c.ownTransport = tr, true
	}
}
