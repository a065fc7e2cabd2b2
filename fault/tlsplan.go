package fault

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/faultline-dev/faultline/internal/yamlx"
)

// TLSPlan is how the upstream presents itself over HTTPS: with a
// certificate a client should accept (Certificate "valid": issued by a CA
// the client is given) or one it must refuse ("self_signed": issued by no
// CA it knows; "expired"; "wrong_host": issued for api.example.com and
// 192.0.2.10 only),
// and optionally only old protocol versions (MaxVersion TLS 1.0 or 1.1).
type TLSPlan struct {
	Certificate string
	MaxVersion  uint16 // 0: TLS 1.2 and 1.3
	PlainHTTP   bool   // also answer plain HTTP on the same port
}

// Certificate kinds a TLSPlan can present.
const (
	CertValid      = "valid"
	CertSelfSigned = "self_signed"
	CertExpired    = "expired"
	CertWrongHost  = "wrong_host"
)

// NewTLS builds the server side of p: a fresh CA (CAPEM and Pool are what
// a client is given to trust) and the certificate p asks for.
func NewTLS(p *TLSPlan) (*TLS, error) {
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
	return &TLS{Config: cfg, CAPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), Pool: pool, PlainHTTP: p.PlainHTTP}, nil
}

func certTemplate(cn string, from, to time.Time) *x509.Certificate {
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	return &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn, Organization: []string{"faultline"}},
		NotBefore: from, NotAfter: to, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
}

type tlsFile struct {
	Certificate string `yaml:"certificate"`
	MaxVersion  string `yaml:"max_version"`
	PlainHTTP   bool   `yaml:"plain_http"`
}

// decodeTLSPlan reads a plan's tls section; nil when absent.
func decodeTLSPlan(f *yamlx.File, n *yaml.Node, path string) (*TLSPlan, error) {
	if n == nil || n.IsZero() {
		return nil, nil
	}
	tf := tlsFile{Certificate: CertValid}
	if err := f.Decode(n, &tf, path); err != nil {
		return nil, err
	}
	p := &TLSPlan{Certificate: tf.Certificate, PlainHTTP: tf.PlainHTTP}
	switch tf.Certificate {
	case CertValid, CertSelfSigned, CertExpired, CertWrongHost:
	default:
		return nil, yamlx.Errorf(f.Name, yamlx.At(n, "certificate"), "%s.certificate: %q: use valid, self_signed, expired or wrong_host", path, tf.Certificate)
	}
	switch tf.MaxVersion {
	case "":
	case "1.0":
		p.MaxVersion = tls.VersionTLS10
	case "1.1":
		p.MaxVersion = tls.VersionTLS11
	default:
		return nil, yamlx.Errorf(f.Name, yamlx.At(n, "max_version"), "%s.max_version: %q: give \"1.0\" or \"1.1\" (an upstream stuck on an old protocol), or leave it out", path, tf.MaxVersion)
	}
	return p, nil
}

// String describes the plan, e.g. "an expired certificate".
func (p *TLSPlan) String() string {
	what := map[string]string{CertValid: "a valid certificate", CertSelfSigned: "a self-signed certificate",
		CertExpired: "an expired certificate", CertWrongHost: "a certificate for another host"}[p.Certificate]
	if p.MaxVersion != 0 {
		what += fmt.Sprintf(", TLS 1.%d at most", p.MaxVersion-tls.VersionTLS10)
	}
	return what
}
