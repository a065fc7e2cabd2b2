package scenarios

import (
	"fmt"
	"net/http"

	"github.com/faultline-dev/faultline/fault/journal"
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

// noDupEffectsCheck: at most one effect per logical call. A provider
// deduplicates requests carrying a key it has seen, so effects count once
// per distinct key, and once per request without a key. When the scenario
// asks for POST or PATCH calls, only those requests' effects count (reads
// beside them do no work twice).
//
// Effects are attributed to the call that caused them by its X-Request-Id,
// else its Idempotency-Key (ids that cannot be call ids, more of them on an
// endpoint than calls asked there, are not used): a call with two effects
// under different keys or none failed, however many other calls failed
// without any effect: typically a call whose answer was lost (a reset after
// the effect) and whose retry did the work again without the same key. A
// client that sends neither id can only be judged by count: at most one
// effect per asked call.
type noDupEffectsCheck struct{}

func (noDupEffectsCheck) Name() string { return "no_duplicate_effects" }

func (c noDupEffectsCheck) Evaluate(o *Observation) report.Check {
	all, asked := o.AskedCalls()
	unsafeOnly := asked > 0
	if !unsafeOnly {
		asked = all
	}
	var judged []journal.Entry
	for _, e := range o.Journal {
		if !unsafeOnly || e.Method == http.MethodPost || e.Method == http.MethodPatch {
			judged = append(judged, e)
		}
	}
	calls, anonymous := effectsByCall(o, judged)
	effects, dups := anonymous, 0
	var ev []string
	for _, call := range calls {
		effects += len(call.effects)
		if len(call.effects) > 1 {
			dups++
			ev = append(ev, call.evidence(o)...)
		}
	}
	expected := "at most one effect per call: at most " + english.Count(asked, "effect")
	observed := english.Count(effects, "effect") + ", " + english.Count(dups, "call") + " with more than one"
	if anonymous > 0 {
		observed += " (" + english.Count(anonymous, "effect") + " from requests with no X-Request-Id or Idempotency-Key: judged by count only)"
	}
	msg := ""
	switch {
	case len(judged) == 0:
		msg = "no request the scenario asked for reached the upstream, so nothing was judged"
	case dups > 0:
		msg = "the upstream did the work of one call more than once: a retry without the same idempotency key duplicated it"
	case effects > asked:
		msg = "the upstream did the work more than once: a retry without the same idempotency key duplicated it"
	}
	return verdict(c.Name(), msg == "", expected, observed, msg, limit(ev, 8))
}

// callEffects is one logical call's effects: the requests whose work the
// provider did, one per distinct key (a provider dedupes a key it has seen).
type callEffects struct {
	id      string
	effects []journal.Entry
}

func (c callEffects) evidence(o *Observation) []string {
	ev := make([]string, len(c.effects))
	for i, e := range c.effects {
		what := "effect"
		if i > 0 {
			what = "effect again"
		}
		if !e.Complete() {
			what += " (its answer was lost: " + e.End + ")"
		}
		ev[i] = fmt.Sprintf("%s, %s: %s", c.id, what, o.Line(e))
	}
	return ev
}

// effectsByCall attributes the effects in the journal's entries to logical
// calls, in the order the calls began, and counts the effects that no id
// attributes.
func effectsByCall(o *Observation, entries []journal.Entry) (calls []callEffects, anonymous int) {
	rids := usableIDs(o, entries, func(e journal.Entry) string { return e.RequestID })
	keys := usableIDs(o, entries, func(e journal.Entry) string { return e.IdempotencyKey })
	seen := map[string]bool{} // keys whose effect a provider has done
	idx := map[string]int{}
	for _, e := range entries {
		if !e.Effect || (e.IdempotencyKey != "" && seen[e.IdempotencyKey]) {
			continue
		}
		if e.IdempotencyKey != "" {
			seen[e.IdempotencyKey] = true
		}
		id := ""
		switch {
		case e.RequestID != "" && rids[endpoint(e)]:
			id = "call X-Request-Id " + e.RequestID
		case e.IdempotencyKey != "" && keys[endpoint(e)]:
			id = "call Idempotency-Key " + e.IdempotencyKey
		default:
			anonymous++
			continue
		}
		i, ok := idx[id]
		if !ok {
			i = len(calls)
			idx[id] = i
			calls = append(calls, callEffects{id: id})
		}
		calls[i].effects = append(calls[i].effects, e)
	}
	return calls, anonymous
}

// usableIDs reports per endpoint whether the ids id reads can be call ids:
// no more distinct ones than calls asked there (a fresh id per attempt is
// no call id).
func usableIDs(o *Observation, entries []journal.Entry, id func(journal.Entry) string) map[string]bool {
	asked := o.askedByEndpoint()
	distinct := map[string]map[string]bool{}
	for _, e := range entries {
		ep := endpoint(e)
		if distinct[ep] == nil {
			distinct[ep] = map[string]bool{}
		}
		if v := id(e); v != "" {
			distinct[ep][v] = true
		}
	}
	out := map[string]bool{}
	for ep, ids := range distinct {
		n, ok := asked[ep]
		out[ep] = !ok || len(ids) <= n
	}
	return out
}

func endpoint(e journal.Entry) string { return e.Method + " " + e.Path }
