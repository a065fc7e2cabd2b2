package webhooksig

import (
	"crypto/hmac"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const stripeHeader = "Stripe-Signature"

// stripe signs "t=<unix>,v1=<hex>" over "<t>.<body>" keyed with the whole
// whsec_ string.
type stripe struct {
	secret string
	tol    time.Duration
}

func newStripe(secret string, o Options) (Scheme, error) {
	return &stripe{secret: secret, tol: o.Tolerance}, nil
}

func (s *stripe) Name() string      { return "stripe" }
func (s *stripe) Headers() []string { return []string{stripeHeader} }
func (s *stripe) Timestamped() bool { return true }

func (s *stripe) Sign(h http.Header, d Delivery) error {
	return s.SignAll(h, d, s.secret)
}

func (s *stripe) SignAll(h http.Header, d Delivery, secrets ...string) error {
	ts := strconv.FormatInt(d.Timestamp.Unix(), 10)
	var b strings.Builder
	b.WriteString("t=" + ts)
	for _, sec := range secrets {
		b.WriteString(",v1=" + hex.EncodeToString(mac([]byte(sec), []byte(ts), []byte("."), d.Body)))
	}
	h.Set(stripeHeader, b.String())
	return nil
}

func (s *stripe) Verify(h http.Header, body []byte, now time.Time) error {
	raw, err := headerValue(h, stripeHeader)
	if err != nil {
		return err
	}
	var ts string
	var sigs [][]byte
	for _, pair := range strings.Split(raw, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok {
			return fmt.Errorf("%w: %s element %q is not key=value", ErrMalformedSignature, stripeHeader, clip(pair))
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			if sig, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, sig)
			}
		}
	}
	if ts == "" || len(sigs) == 0 {
		return fmt.Errorf("%w: %s needs t= and at least one hex v1=", ErrMalformedSignature, stripeHeader)
	}
	if _, err := checkTime(ts, now, s.tol); err != nil {
		return err
	}
	want := mac([]byte(s.secret), []byte(ts), []byte("."), body)
	for _, sig := range sigs {
		if hmac.Equal(sig, want) {
			return nil
		}
	}
	return fmt.Errorf("%w: %d v1 signature(s) checked", ErrSignatureMismatch, len(sigs))
}

func (s *stripe) EventID(_ http.Header, body []byte) (string, error) { return bodyID(body, "id") }
