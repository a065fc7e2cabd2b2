package scenarios

import (
	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/fault/journal"
	"github.com/faultline-dev/faultline/fault/tlsfault"
	"github.com/faultline-dev/faultline/report"
)

// behindTLS is a run against an upstream presenting cert, with the
// handshakes that failed and the requests that got through.
func behindTLS(cert string, failed []string, entries ...journal.Entry) *Observation {
	sc := scen(gets(1))
	sc.Plan = &fault.Plan{TLS: &tlsfault.Plan{Certificate: cert}}
	o := observed(sc, entries...)
	for _, f := range failed {
		o.Handshakes = append(o.Handshakes, tlsfault.Handshake{Time: t0, RemoteAddr: "127.0.0.1:50000", Error: f})
	}
	return o
}

func init() {
	checkCases = append(checkCases, []checkCase{
		{"tls_refused: the expired certificate refused", "tls_refused",
			func() *Observation {
				return behindTLS(tlsfault.CertExpired, []string{"remote error: tls: bad certificate"})
			},
			report.Passed, "handshake failed: remote error: tls: bad certificate"},
		{"tls_refused: InsecureSkipVerify talked to it", "tls_refused:",
			func() *Observation { return behindTLS(tlsfault.CertSelfSigned, nil, entryAt(1, 0, 200)) },
			report.Failed, "the client accepted a self-signed certificate and sent its requests"},
		{"tls_refused: never connected is nothing to judge", "tls_refused:",
			func() *Observation { return behindTLS(tlsfault.CertWrongHost, nil) },
			report.Failed, "the client never connected, so nothing was judged"},
		{"no_credentials_over_http: the downgrade refused", "no_credentials_over_http",
			func() *Observation { return behindTLS(tlsfault.CertValid, nil, downgrade(1)) },
			report.Passed, "1 redirect to http, 0 plain HTTP requests, 0 with credentials"},
		{"no_credentials_over_http: followed without the token", "no_credentials_over_http:",
			func() *Observation { return behindTLS(tlsfault.CertValid, nil, downgrade(1), overHTTP(2, nil)) },
			report.Passed, "1 plain HTTP request, 0 with credentials"},
		{"no_credentials_over_http: the token sent in the clear", "no_credentials_over_http:",
			func() *Observation {
				return behindTLS(tlsfault.CertValid, nil, downgrade(1), overHTTP(2, map[string]string{"Authorization": "Bearer ***"}))
			}, report.Failed, "Authorization sent in the clear"},
		{"no_credentials_over_http: no downgrade is nothing to judge", "no_credentials_over_http:",
			func() *Observation { return behindTLS(tlsfault.CertValid, nil, overHTTP(1, nil)) },
			report.Failed, "never redirected the client to http, so nothing was judged"},
	}...)
	checkDecodeErrors = append(checkDecodeErrors,
		struct{ check, value, says string }{"tls_refused", ` {min: "1.2"}`, `takes no parameters`},
		struct{ check, value, says string }{"no_credentials_over_http", ` strict`, `takes no parameters`})
}

// downgrade is an HTTPS request answered with a redirect to http.
func downgrade(seq int) journal.Entry {
	return entryAt(seq, 0, 307, func(e *journal.Entry) {
		e.TLS = true
		e.Faults = []journal.Applied{{Type: "redirect", Params: map[string]string{"to": "127.0.0.1:8443", "scheme": "http"}}}
	})
}

// overHTTP is a request that came in plain HTTP with headers.
func overHTTP(seq int, headers map[string]string) journal.Entry {
	return entryAt(seq, 2, 200, func(e *journal.Entry) { e.Headers = headers })
}
