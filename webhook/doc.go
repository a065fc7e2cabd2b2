// Package webhook runs faultline's webhook attack campaign against a
// user's handler, and offers the same invariants as a fuzz harness.
//
// Providers deliver webhooks at least once, out of order, sometimes twice
// within milliseconds, and anyone can forge one. The campaign sends what a
// provider sends and what an attacker sends, and judges the handler by what
// it answers and by how many effects each event id caused.
//
// # Campaign
//
// [Run] signs deliveries exactly as the chosen provider does (stripe,
// standard, github, shopify, slack or a generic hmac) and sends them, one
// case at a time, to Options.Target only:
//
//   - valid: signed deliveries → 2xx within the deadline, exactly one effect
//     each; ack time p50/p99 reported;
//   - tampered-body, wrong-secret, missing-signature, malformed-signature,
//     other-scheme, sha1-downgrade (github), stale-timestamp,
//     future-timestamp → 4xx and no effect. Where the provider's own library
//     accepts the delivery (stripe-go accepts future timestamps, go-github's
//     ValidatePayload falls back to SHA-1), a handler accepting it passes
//     with a warning that says so;
//   - rotated-signatures: several signatures of which one is valid →
//     accepted (stripe, standard);
//   - duplicate-sequential: the same event again with a fresh signature →
//     2xx and exactly one effect;
//   - concurrent-duplicates-N: N copies released together over
//     pre-established connections (the last byte of every request is
//     written at one instant) → exactly one effect. This is what catches a
//     check-then-insert race. The release skew is reported;
//   - out-of-order, malformed-json, wrong-content-type, large-body,
//     unknown-event-type → never 5xx, never a hang, and the handler still
//     answers a valid delivery afterwards;
//   - flood: FloodRate deliveries/s for FloodFor → all acknowledged within
//     the deadline;
//   - redelivery-after-5xx: while the handler answers 5xx (or nothing), the
//     event is redelivered as providers do → exactly one effect in the end.
//
// "Within the deadline" means the whole answer arrived less than
// Options.Deadline after the delivery started, on the delivery's own
// clock. The campaign stops waiting for an answer at the deadline: on its
// own client to a plain-HTTP target by closing the connection the
// delivery is on (one watcher for all connections, so a delivery starts
// no timer and registers no cancel), and so the late answer never reaches
// the next delivery; with a caller's Options.Client or an https target
// at most 1 ms after the deadline (deliveries that start within the same
// millisecond share one timer). An answer that arrives after the deadline
// but before the wait stops still counts as late.
//
// Each case becomes a report.Scenario of a report.Run of Kind "webhook",
// rendered like any faultline run.
//
//	run, err := webhook.Run(ctx, webhook.Options{
//		Target:     "http://127.0.0.1:8080/webhooks/stripe",
//		Scheme:     "stripe",
//		Secret:     os.Getenv("STRIPE_WEBHOOK_SECRET"),
//		EffectsURL: "http://127.0.0.1:8080/debug/effects",
//	})
//
// # Counting effects
//
// Exactly-once is judged by an [EffectCounter]. Without one, the cases
// that exist to judge it are reported as skipped, never as passed.
//
// The effects URL contract: a GET on the URL answers 200 with a JSON object
// mapping event ids to the number of times the handler performed the
// event's effect; absent ids count as zero:
//
//	GET /debug/effects  →  {"evt_1a2b": 1, "evt_3c4d": 2}
//
// The effects command is run with sh -c after replacing {event_id} with the
// shell-quoted id, and must print one integer, for example
//
//	psql -tAc "select count(*) from fulfilments where event_id = {event_id}"
//
// Or point the handler's downstream call at a faultline upstream, forwarding
// the event id as Idempotency-Key, and count with [JournalEffects].
//
// # Events file
//
// Options.EventsFile names a YAML (or JSON) file of sample events; each is
// wrapped in the provider's envelope (stripe's event object, slack's
// event_callback, ...) with a fresh id per delivery:
//
//	events:
//	  - type: invoice.paid
//	    payload: {object: invoice, amount_paid: 2000, currency: eur}
//
// Without it, built-in samples for the scheme are used.
//
// # Fuzzing
//
// [Harness] checks an http.Handler against one fuzz input and reports the
// invariant it breaks: no panic, no 5xx on hostile input, never 2xx on a bad
// signature, at most one effect per event id. Package webhooktest drives it
// from a native Go fuzz test (webhooktest.Fuzz), so that this package does
// not link the testing package.
//
// # Where webhook code lives
//
// Webhooks cross faultline in both directions: the fault upstream sends them
// to a client under test, and this package sends them to a user's handler.
// Each part has one home, and the import rules between them are tested
// (TestWebhookHomes, in this package):
//
//   - internal/webhooksig: how each provider signs and verifies (stripe,
//     standard, github, shopify, slack, hmac). Both sides use it; it imports
//     nothing of faultline.
//   - resilience/receiver: the reference receiver a user may copy or import
//     (verify, deduplicate, acknowledge, process). It imports only
//     webhooksig: no test machinery.
//   - fault (webhooks.go, webhooks_load.go): the upstream as a provider. A
//     plan's webhooks: section sends signed deliveries with delivery faults
//     (duplicates, concurrent copies, reordering, forged and stale
//     signatures, redelivery on a schedule) and journals them. It knows no
//     receiver: the target is a URL.
//   - scenarios (receiver.go, check_webhooks.go): a scenario's "receiver"
//     target, which starts resilience/receiver for the reference client, and
//     the checks that judge the deliveries.
//   - webhook (this package): the campaign against a user's handler and the
//     fuzz Harness. A sibling of scenarios, not a child: both judge
//     something and fill a report.Run, and this package never imports
//     scenarios (nor cmd), nor links testing.
//   - webhook/webhooktest: the go test -fuzz driver, which links testing,
//     as net/http/httptest does.
//   - cmd/webhook.go: flags into Options; --effects-upstream composes a fault
//     upstream with [JournalEffects].
//   - audit (rule_webhook.go): the static rule that finds handlers that do
//     not verify signatures.
package webhook
