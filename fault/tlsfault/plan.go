package tlsfault

import (
	"crypto/tls"
	"fmt"
)

// Plan is how the upstream presents itself over HTTPS (a plan file's
// `tls:` section): with a certificate a client should accept (Certificate
// [CertValid]: issued by a CA the client is given) or one it must refuse
// ([CertSelfSigned]: issued by no CA it knows; [CertExpired];
// [CertWrongHost]: issued for api.example.com and 192.0.2.10 only), and
// optionally only old protocol versions (MaxVersion TLS 1.0 or 1.1).
type Plan struct {
	Certificate string
	MaxVersion  uint16 // 0: TLS 1.2 and 1.3
	PlainHTTP   bool   // also answer plain HTTP on the same port
}

// Certificate kinds a Plan can present.
const (
	CertValid      = "valid"
	CertSelfSigned = "self_signed"
	CertExpired    = "expired"
	CertWrongHost  = "wrong_host"
)

// String describes the plan, e.g. "an expired certificate".
func (p *Plan) String() string {
	what := map[string]string{CertValid: "a valid certificate", CertSelfSigned: "a self-signed certificate",
		CertExpired: "an expired certificate", CertWrongHost: "a certificate for another host"}[p.Certificate]
	if p.MaxVersion != 0 {
		what += fmt.Sprintf(", TLS 1.%d at most", p.MaxVersion-tls.VersionTLS10)
	}
	return what
}
