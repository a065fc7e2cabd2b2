package webhooksig

import (
	"crypto/hmac"
	"encoding/base64"
	"fmt"
	"net/http"
	"time"
)

const (
	shopifySignature = "X-Shopify-Hmac-Sha256"
	shopifyID        = "X-Shopify-Webhook-Id"
	shopifyTopic     = "X-Shopify-Topic"
)

// shopify signs "<base64 HMAC of body>".
type shopify struct{ key []byte }

func newShopify(secret string, _ Options) (Scheme, error) { return &shopify{key: []byte(secret)}, nil }

func (s *shopify) Name() string      { return "shopify" }
func (s *shopify) Headers() []string { return []string{shopifySignature} }
func (s *shopify) Timestamped() bool { return false }

func (s *shopify) Sign(h http.Header, d Delivery) error {
	h.Set(shopifySignature, base64.StdEncoding.EncodeToString(mac(s.key, d.Body)))
	if d.ID != "" {
		h.Set(shopifyID, d.ID)
	}
	if d.Event != "" {
		h.Set(shopifyTopic, d.Event)
	}
	return nil
}

func (s *shopify) Verify(h http.Header, body []byte, _ time.Time) error {
	raw, err := headerValue(h, shopifySignature)
	if err != nil {
		return err
	}
	sig, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return fmt.Errorf("%w: %s is not base64", ErrMalformedSignature, shopifySignature)
	}
	if !hmac.Equal(sig, mac(s.key, body)) {
		return ErrSignatureMismatch
	}
	return nil
}

func (s *shopify) EventID(h http.Header, _ []byte) (string, error) { return headerID(h, shopifyID) }
