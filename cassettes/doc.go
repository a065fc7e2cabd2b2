// Package cassettes records real API traffic once and replays it as an HTTP
// server that any language can call. A cassette is a go-vcr v3 YAML file
// (`version: 2`): one written by go-vcr in a Go test replays here, and one
// written here loads in go-vcr. Older generations load too: go-vcr v1 and
// v2 (`version: 1`, `duration: ""` or a number of nanoseconds, no `code`),
// `!!binary` bodies, gzip bodies kept as sent or already decoded
// (`uncompressed: true`); they are written back as `version: 2`.
//
// # The model
//
// A Cassette is a list of Interactions, each a recorded Request and its
// Response, in recorded order. Four values act on it:
//
//   - a Recorder is a reverse proxy in front of the real API: clients talk to
//     it, it forwards, answers with the real response, and keeps a redacted
//     copy; Close writes the cassette.
//   - a Replayer is an http.Handler that answers each request with its
//     recording, or with 502 and a JSON Mismatch naming the closest
//     recordings and what differs. Its Lookup finds the recording without
//     writing a response, for callers that answer in their own way.
//   - Drift re-sends recorded requests to the live API and reports how the
//     answers' shape moved on (breaking or additive); DriftReport turns its
//     results into a report.Run for the terminal, JSON, JUnit and Markdown
//     renderers, as scenario runs are reported.
//   - Scan finds secrets left in a cassette file.
//
// Replaying looks like this:
//
//	c, err := cassettes.Load("testdata/stripe.yaml")
//	if err != nil {
//		return err // *FormatError: file:line and what to do
//	}
//	rp := cassettes.NewReplayer(c, cassettes.ReplayOptions{
//		Match: cassettes.MatchOptions{IgnoreFields: []string{"idempotency_nonce"}},
//	})
//	srv := httptest.NewServer(rp) // or http.Server{Addr: "127.0.0.1:8080", Handler: rp}
//	defer srv.Close()
//	// ... run the client under test against srv.URL ...
//	if len(rp.Mismatches()) > 0 { /* a strict run fails */ }
//	for _, ref := range rp.Unplayed() { /* recordings nobody asked for */ }
//
// # Matching
//
// A request matches a recording on method, path, query parameters (order
// does not matter) and a fingerprint of the body: JSON is canonicalized (key
// order, spacing), form bodies are sorted. MatchOptions leaves out volatile
// query parameters and JSON fields. Redacted values never take part: a field
// recorded as Placeholder matches any value, so a redacted cassette replays.
// A request byte for byte like its recording is found with one map access;
// any other is parsed and canonicalized first, then looked up once per
// redaction profile of its route (usually one). Neither depends on the
// cassette's size, and concurrent requests share no lock.
//
// Identical requests get their recordings in recorded order (pending,
// running, done); once used up, the last one repeats. ReplayOptions.Exhausted
// changes that to Cycle or Fail.
//
// # Redaction
//
// Secrets are removed before anything is kept in memory or written to disk,
// by faultline's one secret policy (package internal/secrets, shared with
// the journal and the reference client's logs): a value goes where it is a
// secret, by name and type (a string under Authorization, Cookie,
// X-Api-Key, client_secret, password...; not `max_tokens: 4000`, not
// `Access-Control-Allow-Credentials: true`, not the structure of a Vault
// `auth` object, not a placeholder already there) or by format anywhere
// (Stripe, AWS, GitHub and Slack keys, JWTs, bearer tokens, whole PEM
// private key blocks, Luhn-valid card numbers), and the password of any
// URL. Every secret becomes Placeholder. Rules adds names and value
// patterns. The client and the upstream still see the real values while
// recording. Scan reports what the redactor would remove, never a
// placeholder, and refuses a file it cannot judge (*FormatError).
//
// # Recording safely
//
// A Recorder locks its cassette from NewRecorder to Close: a second
// recorder, in this process or another, fails with ErrLocked naming the
// holder instead of silently losing one's recordings when both save. The
// lock dies with its process.
//
// # Files
//
// Save writes a temporary file in the same folder, fsyncs it and renames it
// over the cassette: a crash or SIGKILL leaves the previous file whole. No
// cassette without interactions is written (ErrEmptyCassette). Load checks
// the file and reports corrupt or truncated ones, and a second YAML
// document after the cassette, as *FormatError with the line
// (errors.Is(err, ErrInvalidCassette)). faultline adds a `faultline`
// block (its version, the save time, the upstream) and per-interaction
// `recorded_at`; go-vcr v3 ignores both. CheckAge compares the recording time
// with a maximum age.
//
// # From a command
//
// Each faultline command is a few calls:
//
//   - record: ParseMode, NewRecorder, serve it with http.Server; on SIGINT or
//     SIGTERM call Shutdown on the server, then Close on the recorder.
//   - replay: Load (a *FormatError is bad input), CheckAge, ParseLatency,
//     NewReplayer; after the server stops, Mismatches and Unplayed.
//   - drift: Load, Drift, DriftReport.
//   - cassette scan: Scan per file. import: ImportHARFile (ImportHAR, then
//     Save; its notes name the entries left out). export: ExportHARFile
//     (Load, then ExportHAR, whose output ImportHAR turns back into the same
//     cassette).
package cassettes
