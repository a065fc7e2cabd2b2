package contract

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// TLSConfig trusts the CA in FAULTLINE_CA_FILE, as the contract asks, with
// Go's defaults otherwise (verification on, TLS 1.2 at least); nil when
// the scenario serves plain HTTP.
func TLSConfig() *tls.Config {
	path := os.Getenv("FAULTLINE_CA_FILE")
	if path == "" {
		return nil
	}
	pem, err := os.ReadFile(path)
	pool := x509.NewCertPool()
	if err != nil || !pool.AppendCertsFromPEM(pem) {
		fmt.Fprintf(os.Stderr, "cannot read the CA in FAULTLINE_CA_FILE=%s: %v\n", path, err)
		os.Exit(2)
	}
	return &tls.Config{RootCAs: pool}
}
