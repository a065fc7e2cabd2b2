package scenarios

import (
	"fmt"

	"github.com/faultline-dev/faultline/contract"
	"github.com/faultline-dev/faultline/internal/english"
	"github.com/faultline-dev/faultline/report"
)

func init() {
	registerCheck("requests_conform", func(d *checkDecode) (Check, error) { return conformCheck{}, d.noParams() })
}

// conformCheck: every request the client sent is valid for its operation
// in the upstream's spec (parameters, body schema, content type, required
// headers), as the spec layer judged it on arrival, before any fault
// answered. The failure names the operation and the field.
type conformCheck struct{}

func (conformCheck) Name() string { return "requests_conform" }

func (c conformCheck) Evaluate(o *Observation) report.Check {
	var bad []string
	judged := 0
	for _, e := range o.Journal {
		if e.Notes[contract.NoteOperation] != "" || e.Notes[contract.NoteViolation] != "" {
			judged++
		}
		v := e.Notes[contract.NoteViolation]
		if v == "" {
			continue
		}
		op := e.Notes[contract.NoteOperation]
		if op == "" {
			op = "no operation"
		}
		bad = append(bad, fmt.Sprintf("%s (%s): %s", o.Line(e), op, v))
	}
	expected := "every request valid for its operation in the spec"
	observed := fmt.Sprintf("%d of %s broke the contract", len(bad), english.Count(len(o.Journal), "request"))
	msg := ""
	switch {
	case len(o.Journal) == 0:
		msg = "no request reached the upstream, so nothing was judged"
	case judged == 0:
		msg = "no request was judged against a contract: give the scenario upstream.spec (an OpenAPI file)"
	case len(bad) > 0:
		msg = bad[0]
	}
	return verdict(c.Name(), msg == "", expected, observed, msg, limit(bad, 8))
}
