// Package fault is faultline's fault upstream: an HTTP server (or middleware
// around any http.Handler) that fails on purpose, exactly as real providers
// fail, reproducibly, and keeps a journal of what it saw.
//
// # The model
//
// A [Plan] lists routes. A route matches requests (method, path pattern,
// headers, query), has a stub response, and carries fault rules. Each rule
// pairs a [When] schedule (the first N requests, requests N..M, every Kth,
// with probability p, during a time window; counted per route or per client
// key such as the Idempotency-Key header) with one [Fault]. Every rule whose
// schedule selects a request applies, in order: a fault that delays passes on
// to the next, one that answers ends the chain.
//
// Faults are small values behind one interface, registered by name for the
// YAML format (listed under Faults below). Every random draw comes from a
// source seeded by the plan's seed, the route and the request's position,
// so the same seed and request order give the same faults.
//
// # Faults
//
// Each fault is a small unexported type in its own file (reset.go holds
// the reset fault), with its tests beside it (reset_test.go); plans name
// them in YAML. Faults of one response:
//
//   - latency: delays the response, before the headers or spread through the body.
//   - status: answers with any status code, headers and body instead of the route's response.
//   - rate_limit: a fixed-window limiter per client key, answering 429 with Retry-After.
//   - reset: drops the connection with a TCP RST, optionally after doing the work.
//   - close: closes the connection cleanly without a response.
//   - hang: never answers, until the client gives up, the server closes or a maximum passes.
//   - truncate: announces the full Content-Length, sends part of the body, then closes.
//   - garbage: writes random bytes instead of an HTTP response, then closes.
//   - slow_body: sends the headers at once and dribbles the body.
//   - malformed: alters the JSON body the route would have sent (a contract changed without notice).
//   - outage: takes the route down for a time window, or flaps it.
//
// The building blocks of integration failures that are not faults of one
// response:
//
//   - oauth: a token endpoint and bearer tokens that expire, run out or are revoked.
//   - redirect: sends the client to another host.
//   - paginate: a paged listing broken at a chosen page.
//
// [Kinds] lists them as registered; a test keeps this list and
// scenarios/schema.json in step with it.
//
// # Use from a Go test
//
// Like net/http/httptest:
//
//	plan, _ := fault.LoadPlan("plan.yaml", []byte(`
//	routes:
//	  - path: /v1/charges
//	    respond: {status: 200, json: {id: ch_1}}
//	    faults:
//	      - when: {first: 2}
//	        status: {code: 503}
//	`))
//	srv := fault.NewServer(plan)
//	defer srv.Close()
//	// ... point the client under test at srv.URL ...
//	for _, e := range srv.Journal().Entries() {
//		fmt.Println(e.Seq, e.Status, e.FaultNames())
//	}
//
// [Wrap] puts the same faults around any handler: a reverse proxy to a real
// API ([NewProxy]) or a cassette replay.
//
// # HTTPS
//
// A plan's [Plan.TLS] (the `tls:` section) makes the upstream present a good
// or a bad certificate, or only TLS 1.0/1.1: package [tlsfault] builds it
// with a fresh CA for the client to trust ([tlsfault.New]), and [Listen]
// serves it. Handshakes that fail never become requests; [Server.Handshakes]
// lists them, with the client's alert where it sent one.
//
// # Webhooks
//
// A plan's webhooks make the upstream act as a provider: after a request it
// served, or on a timer, it sends signed deliveries ([Webhook]) to a callback
// URL, with [DeliveryFaults] (copies, delays, reordering, bad or stale
// signatures, redelivery), and lists each one in [Handler.Deliveries] as
// a [journal.Delivery] (webhooks.go, webhooks_load.go). fault knows no
// receiver: the reference receiver, the scenarios' checks and the campaign
// against a user's handler live elsewhere, mapped in package webhook's doc
// ("Where webhook code lives").
//
// # The journal
//
// Every request becomes a [journal.Entry]: sequence number, arrival time,
// method, path, key headers (secrets masked), body hash and size, the
// faults applied with their drawn parameters, the status and bytes sent,
// how the connection ended and how long it took. The [journal.Journal]
// ([Server.Journal]) is a ring buffer of bounded size ([WithJournalSize],
// [WithJournalValueMax]). Both live in package fault/journal, as does the
// record of a webhook sent, so that what reads a journal (the scenarios'
// checks, metrics, a Go test) needs nothing else of fault.
package fault
