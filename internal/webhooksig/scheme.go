package webhooksig

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Errors wrapped by New: the scheme cannot be set up. Branch on them with
// errors.Is.
var (
	ErrUnknownScheme = errors.New("unknown webhook signing scheme")
	ErrBadSecret     = errors.New("unusable webhook secret")
	ErrBadOptions    = errors.New("invalid scheme options")
)

// Errors wrapped by Verify: why a delivery's signature is refused.
var (
	ErrMissingSignature   = errors.New("signature header missing")
	ErrMalformedSignature = errors.New("signature header malformed")
	ErrSignatureMismatch  = errors.New("no signature matches")
	ErrTooOld             = errors.New("signature timestamp too old")
	ErrTooNew             = errors.New("signature timestamp too far in the future")
)

// ErrNoEventID is wrapped by EventID when a delivery carries no event id
// where its scheme keeps it.
var ErrNoEventID = errors.New("delivery carries no event id")

// DefaultTolerance is how far a signed timestamp may be from now.
const DefaultTolerance = 5 * time.Minute

// Delivery is what a provider signs.
type Delivery struct {
	ID        string    // event id for schemes that carry it in a header (standard, github, shopify, hmac with IDHeader)
	Event     string    // event type header value (github, shopify); optional
	Timestamp time.Time // signing time for schemes with a timestamp
	Body      []byte
}

// Scheme signs and verifies one provider's webhook format with one secret.
type Scheme interface {
	// Name is the scheme's registered name, e.g. "stripe".
	Name() string
	// Sign sets the headers a provider would send for d.
	Sign(h http.Header, d Delivery) error
	// Verify checks the headers against the raw body at time now.
	Verify(h http.Header, body []byte, now time.Time) error
	// EventID returns the id a receiver deduplicates on.
	EventID(h http.Header, body []byte) (string, error)
	// Headers lists the headers the signature depends on, the signature
	// header first, then its timestamp and signed id headers if any.
	Headers() []string
	// Timestamped reports whether signatures carry a signing time.
	Timestamped() bool
}

// Rotating is implemented by schemes whose header may carry several
// signatures at once, as providers send during a secret rotation.
type Rotating interface {
	// SignAll sets headers for d carrying one signature per secret, in order.
	SignAll(h http.Header, d Delivery, secrets ...string) error
}

// Options tune a scheme. The zero value is ready to use for every scheme but
// "hmac", which needs HMAC.Header.
type Options struct {
	Tolerance time.Duration // default DefaultTolerance
	HMAC      HMAC          // the "hmac" scheme's description
}

type factory func(secret string, o Options) (Scheme, error)

var registry = map[string]factory{
	"stripe":   newStripe,
	"standard": newStandard,
	"github":   newGitHub,
	"shopify":  newShopify,
	"slack":    newSlack,
	"hmac":     newHMAC,
}

// Names lists the registered scheme names, sorted.
func Names() []string {
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// New returns the named scheme keyed with secret.
func New(name, secret string, o Options) (Scheme, error) {
	f, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("%w %q (want one of %s)", ErrUnknownScheme, name, strings.Join(Names(), ", "))
	}
	if secret == "" {
		return nil, fmt.Errorf("%s: %w: empty secret", name, ErrBadSecret)
	}
	if o.Tolerance <= 0 {
		o.Tolerance = DefaultTolerance
	}
	return f(secret, o)
}

// mac returns HMAC-SHA256 of the parts concatenated, keyed with key.
func mac(key []byte, parts ...[]byte) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// checkTime applies the tolerance window to a unix-seconds header value.
func checkTime(raw string, now time.Time, tol time.Duration) (int64, error) {
	ts, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: timestamp %q is not unix seconds", ErrMalformedSignature, clip(raw))
	}
	t := time.Unix(ts, 0)
	switch {
	case now.Sub(t) > tol:
		return 0, fmt.Errorf("%w: signed %s ago, tolerance %s", ErrTooOld, now.Sub(t).Round(time.Second), tol)
	case t.Sub(now) > tol:
		return 0, fmt.Errorf("%w: signed %s ahead, tolerance %s", ErrTooNew, t.Sub(now).Round(time.Second), tol)
	}
	return ts, nil
}

// headerValue returns a required header or ErrMissingSignature.
func headerValue(h http.Header, name string) (string, error) {
	v := h.Get(name)
	if v == "" {
		return "", fmt.Errorf("%w: %s", ErrMissingSignature, name)
	}
	return v, nil
}

// headerID returns an id header or ErrNoEventID.
func headerID(h http.Header, name string) (string, error) {
	v := strings.TrimSpace(h.Get(name))
	if v == "" {
		return "", fmt.Errorf("%w: header %s empty", ErrNoEventID, name)
	}
	return v, nil
}

// bodyID returns a top-level string field of a JSON object body.
func bodyID(body []byte, field string) (string, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return "", fmt.Errorf("%w: body is not a JSON object", ErrNoEventID)
	}
	var id string
	if err := json.Unmarshal(obj[field], &id); err != nil || id == "" {
		return "", fmt.Errorf("%w: body field %q missing or not a string", ErrNoEventID, field)
	}
	return id, nil
}

// clip shortens attacker-controlled text before it goes into an error.
func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}
