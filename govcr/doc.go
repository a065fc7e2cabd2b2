// Package govcr brings faultline into Go tests that already record with
// go-vcr v3 (gopkg.in/dnaeon/go-vcr.v3), without leaving it: three small
// pieces that plug into go-vcr's own extension points.
//
//   - Matcher is faultline's body-aware matcher as a go-vcr MatcherFunc:
//     method, host, path, query in any order, JSON bodies compared in
//     canonical form (key order and spacing do not matter), form bodies
//     sorted, redacted values matching anything. go-vcr's default matcher
//     compares only the method and the exact URL.
//   - Redact is faultline's redaction (package internal/secrets' one
//     policy: credentials by name and type, known key formats, whole
//     private keys, card numbers) as a go-vcr hook. Added as a
//     BeforeSaveHook, nothing secret reaches the cassette; with Matcher,
//     the redacted cassette still replays.
//   - WithFaults puts a faultline fault plan (latency, 503s, 429s with
//     Retry-After, connection resets...) in front of go-vcr's recorder, or
//     of any http.RoundTripper, so a test sees its recorded API misbehave.
//
// In a test:
//
//	rec, _ := recorder.NewWithOptions(&recorder.Options{CassetteName: "testdata/orders", Mode: recorder.ModeReplayOnly})
//	rec.SetMatcher(govcr.Matcher(cassettes.MatchOptions{}))
//	rec.AddHook(govcr.Redact(nil), recorder.BeforeSaveHook)
//	rt, _ := govcr.WithFaults(rec, plan) // plan: a *fault.Plan, e.g. from fault.LoadPlan
//	defer rt.Close()
//	client := &http.Client{Transport: rt}
//
// The fault plan is served by a fault upstream on 127.0.0.1 that forwards
// to the wrapped transport, so connection faults are real ones and the
// plan's journal (Journal) shows what the client did.
package govcr
