package tlsfault

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"time"
)

// Cert is what an HTTPS upstream serves with: Config holds the certificate
// it presents; CAPEM and Pool are the CA a client is given to trust (in PEM
// for a file or an environment variable, or as a pool for a Go client).
type Cert struct {
	Config *tls.Config
	CAPEM  []byte
	Pool   *x509.CertPool
	// PlainHTTP also answers plain HTTP on the same port (a connection
	// whose first byte is not a TLS handshake), so that a redirect from
	// https to http can be followed, and seen.
	PlainHTTP bool
}

// SelfSigned generates a certificate valid for a day for localhost,
// 127.0.0.1, ::1 and any extra hosts.
func SelfSigned(hosts ...string) (*Cert, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "faultline upstream", Organization: []string{"faultline"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &Cert{
		Config: &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}, MinVersion: tls.VersionTLS12},
		CAPEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		Pool:   pool,
	}, nil
}

// New builds the server side of p: a fresh CA (CAPEM and Pool are what a
// client is given to trust) and the certificate p asks for, signed by that
// CA, by itself, or out of date or for another host as p says.
func New(p *Plan) (*Cert, error) {
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caTmpl := certTemplate("faultline test CA", now.Add(-time.Hour), now.Add(24*time.Hour))
	caTmpl.IsCA, caTmpl.BasicConstraintsValid = true, true
	caTmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, _ := x509.ParseCertificate(caDER)
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	leaf := certTemplate("faultline upstream", now.Add(-time.Hour), now.Add(24*time.Hour))
	leaf.DNSNames, leaf.IPAddresses = []string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	parent, signer := ca, any(caKey)
	switch p.Certificate {
	case CertExpired:
		leaf.NotBefore, leaf.NotAfter = now.Add(-48*time.Hour), now.Add(-24*time.Hour)
	case CertWrongHost:
		// Another host: a name and a documentation address (RFC 5737),
		// never contacted, so that clients name the mismatch plainly.
		leaf.DNSNames, leaf.IPAddresses = []string{"api.example.com"}, []net.IP{net.IPv4(192, 0, 2, 10)}
	case CertSelfSigned:
		parent, signer = leaf, leafKey
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, parent, &leafKey.PublicKey, signer)
	if err != nil {
		return nil, err
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: leafKey}}, MinVersion: tls.VersionTLS12}
	if p.MaxVersion != 0 {
		//faultline:ignore tls-insecure the fault upstream offers TLS 1.0/1.1 on purpose, so a client that accepts them fails its scenario
		cfg.MinVersion, cfg.MaxVersion = tls.VersionTLS10, p.MaxVersion
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return &Cert{Config: cfg, CAPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), Pool: pool, PlainHTTP: p.PlainHTTP}, nil
}

func certTemplate(cn string, from, to time.Time) *x509.Certificate {
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	return &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn, Organization: []string{"faultline"}},
		NotBefore: from, NotAfter: to, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
}
