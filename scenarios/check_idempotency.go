package scenarios

import (
	"fmt"
	"net/http"

	"github.com/faultline-dev/faultline/internal/english"
	"github.com/faultline-dev/faultline/report"
)

func init() {
	registerCheck("idempotency_key_stable", func(d *checkDecode) (Check, error) { return idemStableCheck{}, d.noParams() })
	registerCheck("no_duplicate_effects", func(d *checkDecode) (Check, error) { return noDupEffectsCheck{}, d.noParams() })
}

// idemStableCheck: every POST and PATCH carries an Idempotency-Key, the same
// on every attempt of one logical call and different between calls. The
// upstream cannot see call boundaries, so it compares the number of distinct
// keys with the number of calls the client was asked to make.
type idemStableCheck struct{}

func (idemStableCheck) Name() string { return "idempotency_key_stable" }

func (c idemStableCheck) Evaluate(o *Observation) report.Check {
	_, asked := o.AskedCalls()
	keys := map[string]bool{}
	missing, unsafe := 0, 0
	var ev []string
	for _, e := range o.Journal {
		if e.Method != http.MethodPost && e.Method != http.MethodPatch {
			continue
		}
		unsafe++
		if e.IdempotencyKey == "" {
			missing++
			ev = append(ev, "no key: "+o.Line(e))
			continue
		}
		keys[e.IdempotencyKey] = true
	}
	expected := "one stable key per call: " + english.Count(asked, "distinct key")
	observed := fmt.Sprintf("%s over %s, %d without a key", english.Count(len(keys), "distinct key"), english.Count(unsafe, "attempt"), missing)
	msg := ""
	switch {
	case unsafe == 0:
		msg = "no POST or PATCH reached the upstream, so nothing was judged"
	case missing > 0:
		msg = "attempts without an Idempotency-Key cannot be deduplicated by the provider"
	case len(keys) > asked:
		msg = "keys change between attempts of one call: each retry looks like a new operation"
	case len(keys) < asked:
		msg = "calls share a key: different operations would be collapsed into one"
	}
	return verdict(c.Name(), msg == "", expected, observed, msg, limit(ev, 8))
}

// noDupEffectsCheck: at most one successful effect per logical call. A
// provider deduplicates requests carrying a key it has seen, so effects
// count once per distinct key, and once per request without a key. When
// the scenario asks for POST or PATCH calls, only those requests' effects
// count (reads beside them do no work twice).
type noDupEffectsCheck struct{}

func (noDupEffectsCheck) Name() string { return "no_duplicate_effects" }

func (c noDupEffectsCheck) Evaluate(o *Observation) report.Check {
	all, asked := o.AskedCalls()
	unsafeOnly := asked > 0
	if !unsafeOnly {
		asked = all
	}
	keys := map[string]bool{}
	effects, judged := 0, 0
	var ev []string
	for _, e := range o.Journal {
		if unsafeOnly && e.Method != http.MethodPost && e.Method != http.MethodPatch {
			continue
		}
		judged++
		if !e.Effect {
			continue
		}
		if e.IdempotencyKey != "" && keys[e.IdempotencyKey] {
			continue
		}
		if e.IdempotencyKey != "" {
			keys[e.IdempotencyKey] = true
		}
		effects++
		ev = append(ev, "effect: "+o.Line(e))
	}
	expected := fmt.Sprintf("at most %s (one per call)", english.Count(asked, "effect"))
	observed := english.Count(effects, "effect")
	ok := effects <= asked && judged > 0
	msg := ""
	switch {
	case judged == 0:
		msg = "no request the scenario asked for reached the upstream, so nothing was judged"
	case !ok:
		msg = "the upstream did the work more than once: a retry without the same idempotency key duplicated it"
	}
	return verdict(c.Name(), ok, expected, observed, msg, limit(ev, 8))
}
