package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
)

var insecure = &tls.Config{InsecureSkipVerify: true} // want `InsecureSkipVerify: true accepts any certificate`

var old = &tls.Config{MinVersion: tls.VersionTLS10} // want `MinVersion below TLS 1.2`

func assigned(c *tls.Config) {
	c.InsecureSkipVerify = true     // want `InsecureSkipVerify = true accepts any certificate`
	c.MinVersion = tls.VersionTLS11 // want `MinVersion below TLS 1.2`
}

// Negative cases.

var modern = &tls.Config{MinVersion: tls.VersionTLS12}

func fromFlag(skip bool) *tls.Config {
	return &tls.Config{InsecureSkipVerify: skip} // the operator's choice, e.g. a --insecure flag
}

var pinned = &tls.Config{
	InsecureSkipVerify: true, // verification is done by VerifyPeerCertificate below
	VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
		return nil
	},
}

var defaults = &tls.Config{ServerName: "api.example.com"}
