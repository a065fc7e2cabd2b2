// Package receiver is a reference webhook receiver: the handler shape that
// survives what providers actually do. Deliveries arrive at least once, out
// of order, sometimes twice within milliseconds (a retry racing a slow first
// delivery), and anyone can forge one.
//
// # Model
//
// A [Receiver] is an http.Handler that, for each delivery:
//
//  1. reads at most MaxBody bytes of raw body and verifies the provider's
//     signature over it (constant-time, with a tolerance window for signed
//     timestamps): 400 for a missing or malformed signature, 401 for a wrong,
//     stale or future one, 413 for an oversized body;
//  2. claims the event id in a [Store] — check and insert as one atomic
//     step, so two concurrent copies of one event cannot both pass;
//  3. answers a duplicate with 200 and does nothing else;
//  4. queues a new event and answers 202 at once. If the queue is full it
//     releases the claim and answers 503, so the provider's redelivery is
//     processed later rather than lost.
//
// Worker goroutines owned by the Receiver call Config.Process, retrying
// failures with exponential backoff; an event that fails every attempt goes
// to a dead-letter list ([Receiver.DeadLetters]) rather than vanishing.
// [Receiver.Close] stops intake, drains the queue and stops the workers.
//
//	rcv, err := receiver.New(receiver.Config{
//		Scheme:  "stripe",
//		Secret:  os.Getenv("STRIPE_WEBHOOK_SECRET"),
//		Process: func(ctx context.Context, e receiver.Event) error { return fulfil(ctx, e.Body) },
//	})
//	if err != nil { ... }
//	defer rcv.Close()
//	http.Handle("/webhooks/stripe", rcv)
//
// Schemes: stripe, standard (Standard Webhooks / Svix), github, shopify,
// slack and a generic hmac described by [HMAC]. The event id deduplicated on
// is the stripe body's "id", webhook-id, X-GitHub-Delivery,
// X-Shopify-Webhook-Id, the slack body's "event_id", or what [HMAC] names.
//
// The in-memory store suits one process; across replicas implement [Store]
// with one atomic statement, e.g. INSERT ... ON CONFLICT DO NOTHING and
// checking the affected row count.
//
// Of faultline it imports only internal/webhooksig, so a user can take it
// alone. The rest of faultline's webhook code (the upstream that sends
// deliveries, the scenarios' receiver target, the campaign that attacks a
// handler) is mapped in package webhook's doc ("Where webhook code lives").
package receiver
