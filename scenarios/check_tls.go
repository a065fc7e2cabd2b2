package scenarios

import (
	"fmt"

	"github.com/faultline-dev/faultline/internal/english"
	"github.com/faultline-dev/faultline/report"
)

func init() {
	registerCheck("tls_refused", func(d *checkDecode) (Check, error) { return tlsRefusedCheck{}, d.noParams() })
	registerCheck("no_credentials_over_http", func(d *checkDecode) (Check, error) { return clearCredentialsCheck{}, d.noParams() })
}

// tlsRefusedCheck: the client refused the upstream's TLS (a certificate it
// must not trust, or a protocol older than TLS 1.2): it tried to connect
// (a handshake failed) and no request reached the upstream.
type tlsRefusedCheck struct{}

func (tlsRefusedCheck) Name() string { return "tls_refused" }

func (c tlsRefusedCheck) Evaluate(o *Observation) report.Check {
	what := "the upstream's TLS"
	if p := o.Scenario.Plan; p != nil && p.TLS != nil {
		what = p.TLS.String()
	}
	expected := fmt.Sprintf("refuse %s: no request reaches the upstream", what)
	observed := fmt.Sprintf("%s, %s reached the upstream", english.Count(len(o.Handshakes), "failed handshake"), english.Count(len(o.Journal), "request"))
	var ev []string
	for i, h := range o.Handshakes {
		if i == 3 {
			break
		}
		ev = append(ev, "handshake failed: "+h.Error)
	}
	msg := ""
	switch {
	case len(o.Journal) > 0:
		msg = fmt.Sprintf("the client accepted %s and sent its requests: it must verify the certificate chain and host, and require TLS 1.2 or later", what)
		ev = append(ev, o.Lines(o.Journal, 3)...)
	case len(o.Handshakes) == 0:
		msg = "the client never connected, so nothing was judged"
	}
	return verdict(c.Name(), msg == "", expected, observed, msg, ev)
}

// clearCredentialsCheck: after the HTTPS upstream redirected to plain
// HTTP, no request sent in the clear carried credentials (Authorization,
// cookies, API-key headers). Refusing the redirect passes; following it
// without credentials passes too.
type clearCredentialsCheck struct{}

func (clearCredentialsCheck) Name() string { return "no_credentials_over_http" }

func (c clearCredentialsCheck) Evaluate(o *Observation) report.Check {
	downgrades, plain, leaked := 0, 0, 0
	var ev []string
	for _, e := range o.Journal {
		for _, a := range e.Faults {
			if a.Type == "redirect" && a.Params["scheme"] == "http" {
				downgrades++
			}
		}
		if e.TLS {
			continue
		}
		plain++
		for _, h := range credentialHeaders {
			if e.Headers[h] != "" {
				leaked++
				ev = append(ev, fmt.Sprintf("%s sent in the clear: %s", h, o.Line(e)))
				break
			}
		}
	}
	expected := "no credentials sent over plain HTTP after a redirect from https"
	observed := fmt.Sprintf("%s to http, %s, %d with credentials", english.Count(downgrades, "redirect"), english.Count(plain, "plain HTTP request"), leaked)
	msg := ""
	switch {
	case downgrades == 0:
		msg = "the upstream never redirected the client to http, so nothing was judged"
	case leaked > 0:
		msg = "credentials went over plain HTTP: never follow a redirect from https to http with them (better, never follow it)"
	}
	return verdict(c.Name(), msg == "", expected, observed, msg, limit(ev, 8))
}
