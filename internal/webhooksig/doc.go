// Package webhooksig signs and verifies webhook deliveries exactly as
// providers do. The same code serves both sides of faultline: the reference
// receiver verifies with it, and the webhook campaign signs (and mis-signs)
// with it.
//
// # Model
//
// A [Delivery] is what a provider signs: a body, a signing time, and for
// some schemes an id and an event type carried in headers. A [Scheme] turns a
// Delivery into headers ([Scheme.Sign]), checks headers against a raw body
// ([Scheme.Verify]) and names the event id a receiver must deduplicate on
// ([Scheme.EventID]). Schemes are built by name with [New]:
//
//	s, err := webhooksig.New("stripe", "whsec_abc", webhooksig.Options{})
//	h := http.Header{}
//	err = s.Sign(h, webhooksig.Delivery{Body: body, Timestamp: time.Now()})
//	err = s.Verify(h, body, time.Now()) // nil
//
// # Schemes
//
//   - stripe: Stripe-Signature "t=<unix>,v1=<hex>"; HMAC-SHA256 over
//     "<t>.<body>" keyed with the whole whsec_ string; event id is the body's
//     "id".
//   - standard (Standard Webhooks, Svix): webhook-id, webhook-timestamp and
//     webhook-signature "v1,<base64>" (space-separated list); the key is the
//     base64-decoded part after whsec_; signed content "<id>.<ts>.<body>".
//   - github: X-Hub-Signature-256 "sha256=<hex HMAC of body>",
//     X-GitHub-Delivery (the event id) and X-GitHub-Event. Only SHA-256 is
//     accepted: the legacy X-Hub-Signature (SHA-1) is a downgrade.
//   - shopify: X-Shopify-Hmac-Sha256 "<base64 HMAC of body>",
//     X-Shopify-Webhook-Id (the event id), X-Shopify-Topic.
//   - slack: X-Slack-Signature "v0=<hex HMAC of v0:<ts>:<body>>" and
//     X-Slack-Request-Timestamp; event id is the body's "event_id".
//   - hmac: a generic HMAC-SHA256 scheme described by [HMAC].
//
// Every comparison is constant-time. Schemes with a timestamp reject
// signatures older or newer than [Options.Tolerance] (five minutes by
// default); each failure wraps one of the exported sentinel errors, so a
// receiver can map it to a status code with errors.Is.
//
// It imports nothing of faultline: every webhook part stands on it. Where
// each part lives is listed in package webhook's doc ("Where webhook code
// lives").
package webhooksig
