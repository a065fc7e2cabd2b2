package webhooksig

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// bodyMAC is a scheme that signs the body alone, with no timestamp: an
// HMAC-SHA256 of the body in one header (GitHub's "sha256=<hex>",
// Shopify's "<base64>"), the event id and type in headers of their own.
type bodyMAC struct {
	name      string
	signature string // header carrying the MAC
	id, event string // headers carrying the event id and type
	prefix    string // before the encoded MAC
	base64    bool   // base64 rather than hex
	key       []byte
}

func (b *bodyMAC) Name() string      { return b.name }
func (b *bodyMAC) Headers() []string { return []string{b.signature} }
func (b *bodyMAC) Timestamped() bool { return false }

func (b *bodyMAC) encode(sum []byte) string {
	if b.base64 {
		return base64.StdEncoding.EncodeToString(sum)
	}
	return b.prefix + hex.EncodeToString(sum)
}

func (b *bodyMAC) Sign(h http.Header, d Delivery) error {
	h.Set(b.signature, b.encode(mac(b.key, d.Body)))
	if d.ID != "" {
		h.Set(b.id, d.ID)
	}
	if d.Event != "" {
		h.Set(b.event, d.Event)
	}
	return nil
}

func (b *bodyMAC) Verify(h http.Header, body []byte, _ time.Time) error {
	raw, err := headerValue(h, b.signature)
	if err != nil {
		return err
	}
	sig, err := b.decode(raw)
	if err != nil {
		return err
	}
	if !hmac.Equal(sig, mac(b.key, body)) {
		return ErrSignatureMismatch
	}
	return nil
}

func (b *bodyMAC) decode(raw string) ([]byte, error) {
	if b.base64 {
		sig, err := base64.StdEncoding.DecodeString(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: %s is not base64", ErrMalformedSignature, b.signature)
		}
		return sig, nil
	}
	encoded, ok := strings.CutPrefix(raw, b.prefix)
	if !ok {
		return nil, fmt.Errorf("%w: %s must start with %s", ErrMalformedSignature, b.signature, b.prefix)
	}
	sig, err := hex.DecodeString(encoded)
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not hex", ErrMalformedSignature, b.signature)
	}
	return sig, nil
}

func (b *bodyMAC) EventID(h http.Header, _ []byte) (string, error) { return headerID(h, b.id) }
