// Package journal is what a faultline upstream saw and did: one [Entry]
// per request, kept in a [Journal] of bounded size, and one [Delivery] per
// webhook request it sent.
//
// An entry records what the client asked (method, host, path, query, the
// headers that identify a call, the body's SHA-256 and size) and what the
// upstream did about it: the route, the faults applied with their drawn
// parameters ([Applied]), whether the route's own response was produced
// (Effect), the status, the bytes sent, how the connection ended (End,
// one of the End* constants) and how long it took. Its JSON form is one
// line of faultline serve's GET /journal.
//
// The journal is its own stage of faultline's data flow: package fault
// writes it while it serves, and whatever judges a client reads it (the
// scenarios' checks, the admin API's metrics, a webhook effect counter, a
// Go test) without the rest of fault.
//
// # Bounded memory, no secrets
//
// A journal keeps the last entries in a ring buffer ([DefaultSize] of
// them unless [New] is told otherwise; fault.WithJournalSize), each in
// the place its sequence number gives it, and counts the ones it dropped
// ([Journal.Dropped]): a long soak never grows it, and requests finishing
// on different cores do not wait for each other to record theirs. A kept
// entry is stored encoded, as bytes the garbage collector need not look
// into (512 of them a place, beside the entry's time), and decoded when
// the journal is read: a full journal costs a busy server's collections
// next to nothing.
// Each entry keeps at most [DefaultValueMax] bytes of any request value
// (fault.WithJournalValueMax); a longer value is cut and marked
// "…[cut N bytes, sha256 XXXXXXXXXXXXXXXX]", so two long values that
// differ past the cut still differ. Secrets are masked before anything is
// kept, by faultline's one policy (as in cassettes): an Authorization
// header keeps its scheme, a credential in a query, a path or a known key
// format becomes [REDACTED].
//
// # Reading it from a Go test
//
//	srv := fault.NewServer(plan)
//	defer srv.Close()
//	// ... run the client under test against srv.URL ...
//	for _, e := range srv.Journal().Entries() {
//		t.Log(e.Seq, e.Label(), e.FaultNames()) // 1 503 status
//	}
//
// [Journal.Entries] lists a request once it has finished, in sequence
// order; [Journal.Seq] counts arrivals, including requests a fault still
// holds. The methods of [Entry] answer what a check asks: did the answer
// arrive whole ([Entry.Complete]), when did the upstream finish with it
// ([Entry.EndTime]), when did it allow the next attempt
// ([Entry.RetryAfter]), and how it reads in a timeline ([Entry.Label]).
//
// # Writing one
//
// The server's side is three calls: [Journal.Begin] when a request
// arrives (its sequence number, and what it asked, masked and cut),
// [Journal.Record] when it is done, and [Journal.Reset] to forget
// everything while sequence numbers keep counting.
//
// # Webhooks the upstream sent
//
// When a plan has webhooks, the upstream is also a client: it signs and
// posts deliveries to a receiver. Each copy it sent, and the receiver's
// answer, is a [Delivery] (fault's Handler.Deliveries lists them, and
// GET /deliveries serves them as JSON lines). An Entry and a Delivery
// have their own sequence numbers: one counts requests received, the
// other requests sent.
//
//	for _, d := range srv.Handler.Deliveries() {
//		t.Log(d.EventID, d.Attempt, d.Fault, d.Status) // evt_5e1c0a9b3d2f7a64 2 redelivery 200
//	}
package journal
