package webhooksig

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// HMAC describes a generic HMAC-SHA256 scheme, for providers not covered by
// a named scheme. For example, "X-Signature: sha256=<hex of <ts>.<body>>"
// with the time in X-Timestamp and the event id in X-Event-Id is
//
//	HMAC{Header: "X-Signature", Prefix: "sha256=", Signed: "{timestamp}.{body}",
//	     TimestampHeader: "X-Timestamp", IDHeader: "X-Event-Id"}
type HMAC struct {
	Header          string // signature header (required)
	Encoding        string // "hex" (default) or "base64"
	Prefix          string // text before the encoded MAC, e.g. "sha256="
	Signed          string // template of the signed content over {id}, {timestamp}, {body}; default "{body}"
	TimestampHeader string // header with unix seconds; required when Signed uses {timestamp}
	IDHeader        string // header with the event id; when empty the id is the body's IDField
	IDField         string // top-level JSON string field with the event id; default "id"
}

type generic struct {
	c   HMAC
	key []byte
	tol time.Duration
}

func newHMAC(secret string, o Options) (Scheme, error) {
	c := o.HMAC
	if c.Header == "" {
		return nil, fmt.Errorf("hmac: %w: HMAC.Header is required", ErrBadOptions)
	}
	if c.Encoding == "" {
		c.Encoding = "hex"
	}
	if c.Encoding != "hex" && c.Encoding != "base64" {
		return nil, fmt.Errorf("hmac: %w: encoding %q (want hex or base64)", ErrBadOptions, c.Encoding)
	}
	if c.Signed == "" {
		c.Signed = "{body}"
	}
	if !strings.Contains(c.Signed, "{body}") {
		return nil, fmt.Errorf("hmac: %w: signed template %q must contain {body}", ErrBadOptions, c.Signed)
	}
	if strings.Contains(c.Signed, "{timestamp}") && c.TimestampHeader == "" {
		return nil, fmt.Errorf("hmac: %w: signed template uses {timestamp} but TimestampHeader is empty", ErrBadOptions)
	}
	if strings.Contains(c.Signed, "{id}") && c.IDHeader == "" {
		return nil, fmt.Errorf("hmac: %w: signed template uses {id} but IDHeader is empty", ErrBadOptions)
	}
	if c.IDField == "" {
		c.IDField = "id"
	}
	return &generic{c: c, key: []byte(secret), tol: o.Tolerance}, nil
}

func (g *generic) Name() string { return "hmac" }

func (g *generic) Headers() []string {
	if g.Timestamped() {
		return []string{g.c.Header, g.c.TimestampHeader}
	}
	return []string{g.c.Header}
}

func (g *generic) Timestamped() bool { return strings.Contains(g.c.Signed, "{timestamp}") }

func (g *generic) sum(id, ts string, body []byte) []byte {
	before, after, _ := strings.Cut(g.c.Signed, "{body}")
	fill := strings.NewReplacer("{id}", id, "{timestamp}", ts)
	return mac(g.key, []byte(fill.Replace(before)), body, []byte(fill.Replace(after)))
}

func (g *generic) encode(b []byte) string {
	if g.c.Encoding == "base64" {
		return base64.StdEncoding.EncodeToString(b)
	}
	return hex.EncodeToString(b)
}

func (g *generic) decode(s string) ([]byte, error) {
	if g.c.Encoding == "base64" {
		return base64.StdEncoding.DecodeString(s)
	}
	return hex.DecodeString(s)
}

func (g *generic) Sign(h http.Header, d Delivery) error {
	ts := strconv.FormatInt(d.Timestamp.Unix(), 10)
	if g.Timestamped() {
		h.Set(g.c.TimestampHeader, ts)
	}
	if g.c.IDHeader != "" && d.ID != "" {
		h.Set(g.c.IDHeader, d.ID)
	}
	h.Set(g.c.Header, g.c.Prefix+g.encode(g.sum(d.ID, ts, d.Body)))
	return nil
}

func (g *generic) Verify(h http.Header, body []byte, now time.Time) error {
	raw, err := headerValue(h, g.c.Header)
	if err != nil {
		return err
	}
	enc, ok := strings.CutPrefix(raw, g.c.Prefix)
	if !ok {
		return fmt.Errorf("%w: %s must start with %q", ErrMalformedSignature, g.c.Header, g.c.Prefix)
	}
	sig, err := g.decode(enc)
	if err != nil {
		return fmt.Errorf("%w: %s is not %s", ErrMalformedSignature, g.c.Header, g.c.Encoding)
	}
	var ts string
	if g.Timestamped() {
		if ts, err = headerValue(h, g.c.TimestampHeader); err != nil {
			return err
		}
		if _, err := checkTime(ts, now, g.tol); err != nil {
			return err
		}
		ts = strings.TrimSpace(ts)
	}
	id := ""
	if g.c.IDHeader != "" {
		id = h.Get(g.c.IDHeader)
	}
	if !hmac.Equal(sig, g.sum(id, ts, body)) {
		return ErrSignatureMismatch
	}
	return nil
}

func (g *generic) EventID(h http.Header, body []byte) (string, error) {
	if g.c.IDHeader != "" {
		return headerID(h, g.c.IDHeader)
	}
	return bodyID(body, g.c.IDField)
}
