package scenarios

import (
	"fmt"
	"sort"

	"github.com/faultline-dev/faultline/internal/english"
	"github.com/faultline-dev/faultline/report"
)

func init() {
	registerCheck("webhooks_acknowledged", func(d *checkDecode) (Check, error) { return webhooksAckCheck{}, d.noParams() })
	registerCheck("webhooks_once", func(d *checkDecode) (Check, error) { return webhooksOnceCheck{}, d.noParams() })
}

// webhooksAckCheck: every genuine event is acknowledged with a 2xx in the
// end (after redeliveries), and every forged delivery is refused with a 4xx.
type webhooksAckCheck struct{}

func (webhooksAckCheck) Name() string { return "webhooks_acknowledged" }

func (c webhooksAckCheck) Evaluate(o *Observation) report.Check {
	last := map[string]int{} // event id -> last status of genuine deliveries
	var bad []string
	forgedSeen := 0
	for _, d := range o.Deliveries {
		if d.Forged {
			forgedSeen++
			if d.Status < 400 || d.Status > 499 {
				bad = append(bad, fmt.Sprintf("forged (%s) delivery of %s answered %d, want 4xx", d.Fault, d.EventID, d.Status))
			}
			continue
		}
		last[d.EventID] = d.Status
	}
	for _, id := range sortedKeys(last) {
		if last[id]/100 != 2 {
			bad = append(bad, fmt.Sprintf("event %s never acknowledged: last answer %d", id, last[id]))
		}
	}
	observed := fmt.Sprintf("%s of %s, %d forged; %s", english.Count(len(o.Deliveries), "delivery"), english.Count(len(last), "genuine event"), forgedSeen, english.Count(len(bad), "problem"))
	msg := firstOr(bad, "")
	if len(o.Deliveries) == 0 {
		msg = "the upstream delivered no webhook, so nothing was judged"
	}
	return verdict(c.Name(), len(o.Deliveries) > 0 && len(bad) == 0, "genuine events acknowledged 2xx, forged ones refused 4xx", observed, msg, limit(bad, 8))
}

// webhooksOnceCheck: every genuine event delivered had exactly one effect,
// however many times it was delivered; forged events had none.
type webhooksOnceCheck struct{}

func (webhooksOnceCheck) Name() string { return "webhooks_once" }

func (c webhooksOnceCheck) Evaluate(o *Observation) report.Check {
	if o.Effects == nil {
		return skipped(c.Name(), "effects cannot be counted: use the reference receiver (client.receiver with scheme and secret)")
	}
	want := map[string]int{}
	for _, d := range o.Deliveries {
		if d.Forged {
			if _, ok := want[d.EventID]; !ok {
				want[d.EventID] = 0
			}
			continue
		}
		want[d.EventID] = 1
	}
	var bad []string
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if got := o.Effects[id]; got != want[id] {
			bad = append(bad, fmt.Sprintf("event %s: %s, want %d", id, english.Count(got, "effect"), want[id]))
		}
	}
	observed := fmt.Sprintf("%s, %d with the wrong number of effects", english.Count(len(want), "event"), len(bad))
	return verdict(c.Name(), len(want) > 0 && len(bad) == 0, "exactly one effect per genuine event, none for forged ones", observed, firstOr(bad, ""), limit(bad, 8))
}
