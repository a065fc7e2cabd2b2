package scenarios

import (
	"fmt"

	"github.com/faultline-dev/faultline/report"
)

func init() {
	registerCheck("tls_refused", func(d *checkDecode) (Check, error) { return tlsRefusedCheck{}, d.noParams() })
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
	observed := fmt.Sprintf("%d failed handshakes, %d requests reached the upstream", len(o.Handshakes), len(o.Journal))
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
