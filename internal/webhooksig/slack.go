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

const (
	slackSignature = "X-Slack-Signature"
	slackTimestamp = "X-Slack-Request-Timestamp"
)

// slack signs "v0=<hex HMAC of v0:<ts>:<body>>".
type slack struct {
	key []byte
	tol time.Duration
}

func newSlack(secret string, o Options) (Scheme, error) {
	return &slack{key: []byte(secret), tol: o.Tolerance}, nil
}

func (s *slack) Name() string      { return "slack" }
func (s *slack) Headers() []string { return []string{slackSignature, slackTimestamp} }
func (s *slack) Timestamped() bool { return true }

func (s *slack) sum(ts string, body []byte) []byte {
	return mac(s.key, []byte("v0:"), []byte(ts), []byte(":"), body)
}

func (s *slack) Sign(h http.Header, d Delivery) error {
	ts := strconv.FormatInt(d.Timestamp.Unix(), 10)
	h.Set(slackTimestamp, ts)
	h.Set(slackSignature, "v0="+hex.EncodeToString(s.sum(ts, d.Body)))
	return nil
}

func (s *slack) Verify(h http.Header, body []byte, now time.Time) error {
	raw, err := headerValue(h, slackSignature)
	if err != nil {
		return err
	}
	ts, err := headerValue(h, slackTimestamp)
	if err != nil {
		return err
	}
	hexSig, ok := strings.CutPrefix(raw, "v0=")
	if !ok {
		return fmt.Errorf("%w: %s must start with v0=", ErrMalformedSignature, slackSignature)
	}
	sig, err := hex.DecodeString(hexSig)
	if err != nil {
		return fmt.Errorf("%w: %s is not hex", ErrMalformedSignature, slackSignature)
	}
	if _, err := checkTime(ts, now, s.tol); err != nil {
		return err
	}
	if !hmac.Equal(sig, s.sum(strings.TrimSpace(ts), body)) {
		return ErrSignatureMismatch
	}
	return nil
}

func (s *slack) EventID(_ http.Header, body []byte) (string, error) { return bodyID(body, "event_id") }
