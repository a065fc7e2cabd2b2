package webhooksig

import (
	"crypto/hmac"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	stdID        = "webhook-id"
	stdTimestamp = "webhook-timestamp"
	stdSignature = "webhook-signature"
)

// standard implements Standard Webhooks (as used by Svix): "v1,<base64>"
// entries over "<id>.<ts>.<body>", keyed with the base64 part after whsec_.
type standard struct {
	key []byte
	tol time.Duration
}

func newStandard(secret string, o Options) (Scheme, error) {
	key, err := standardKey(secret)
	if err != nil {
		return nil, err
	}
	return &standard{key: key, tol: o.Tolerance}, nil
}

func standardKey(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || len(key) == 0 {
		return nil, fmt.Errorf("standard: %w: the part after whsec_ must be base64", ErrBadSecret)
	}
	return key, nil
}

func (s *standard) Name() string      { return "standard" }
func (s *standard) Headers() []string { return []string{stdSignature, stdTimestamp, stdID} }
func (s *standard) Timestamped() bool { return true }

func (s *standard) Sign(h http.Header, d Delivery) error {
	return s.signKeys(h, d, s.key)
}

func (s *standard) SignAll(h http.Header, d Delivery, secrets ...string) error {
	keys := make([][]byte, 0, len(secrets))
	for _, sec := range secrets {
		k, err := standardKey(sec)
		if err != nil {
			return err
		}
		keys = append(keys, k)
	}
	return s.signKeys(h, d, keys...)
}

func (s *standard) signKeys(h http.Header, d Delivery, keys ...[]byte) error {
	if d.ID == "" {
		return fmt.Errorf("standard: %w: Delivery.ID is required", ErrNoEventID)
	}
	ts := strconv.FormatInt(d.Timestamp.Unix(), 10)
	sigs := make([]string, 0, len(keys))
	for _, k := range keys {
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(s.sum(k, d.ID, ts, d.Body)))
	}
	h.Set(stdID, d.ID)
	h.Set(stdTimestamp, ts)
	h.Set(stdSignature, strings.Join(sigs, " "))
	return nil
}

func (s *standard) sum(key []byte, id, ts string, body []byte) []byte {
	return mac(key, []byte(id), []byte("."), []byte(ts), []byte("."), body)
}

func (s *standard) Verify(h http.Header, body []byte, now time.Time) error {
	var vals [3]string
	for i, name := range s.Headers() {
		v, err := headerValue(h, name)
		if err != nil {
			return err
		}
		vals[i] = v
	}
	list, ts, id := vals[0], vals[1], vals[2]
	if _, err := checkTime(ts, now, s.tol); err != nil {
		return err
	}
	want := s.sum(s.key, id, strings.TrimSpace(ts), body)
	n := 0
	for _, entry := range strings.Fields(list) {
		ver, sig, ok := strings.Cut(entry, ",")
		if !ok || ver != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err != nil {
			continue
		}
		n++
		if hmac.Equal(got, want) {
			return nil
		}
	}
	if n == 0 {
		return fmt.Errorf("%w: %s has no v1,<base64> entry", ErrMalformedSignature, stdSignature)
	}
	return fmt.Errorf("%w: %d v1 signature(s) checked", ErrSignatureMismatch, n)
}

func (s *standard) EventID(h http.Header, _ []byte) (string, error) { return headerID(h, stdID) }
