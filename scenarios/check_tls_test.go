package scenarios

import (
	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/report"
)

// behindTLS is a run against an upstream presenting cert, with the
// handshakes that failed and the requests that got through.
func behindTLS(cert string, failed []string, journal ...fault.Entry) *Observation {
	sc := scen(gets(1))
	sc.Plan = &fault.Plan{TLS: &fault.TLSPlan{Certificate: cert}}
	o := observed(sc, journal...)
	for _, f := range failed {
		o.Handshakes = append(o.Handshakes, fault.Handshake{Time: t0, RemoteAddr: "127.0.0.1:50000", Error: f})
	}
	return o
}

func init() {
	checkCases = append(checkCases, []checkCase{
		{"tls_refused: the expired certificate refused", "tls_refused",
			func() *Observation {
				return behindTLS(fault.CertExpired, []string{"remote error: tls: bad certificate"})
			},
			report.Passed, "handshake failed: remote error: tls: bad certificate"},
		{"tls_refused: InsecureSkipVerify talked to it", "tls_refused:",
			func() *Observation { return behindTLS(fault.CertSelfSigned, nil, entryAt(1, 0, 200)) },
			report.Failed, "the client accepted a self-signed certificate and sent its requests"},
		{"tls_refused: never connected is nothing to judge", "tls_refused:",
			func() *Observation { return behindTLS(fault.CertWrongHost, nil) },
			report.Failed, "the client never connected, so nothing was judged"},
	}...)
	checkDecodeErrors = append(checkDecodeErrors, struct{ check, value, says string }{"tls_refused", ` {min: "1.2"}`, `takes no parameters`})
}
