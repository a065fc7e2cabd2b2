package webhooksig

import (
	"crypto/hmac"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"
)

const (
	githubSignature = "X-Hub-Signature-256"
	githubDelivery  = "X-GitHub-Delivery"
	githubEvent     = "X-GitHub-Event"
)

// github signs "sha256=<hex HMAC of body>".
type github struct{ key []byte }

func newGitHub(secret string, _ Options) (Scheme, error) { return &github{key: []byte(secret)}, nil }

func (g *github) Name() string      { return "github" }
func (g *github) Headers() []string { return []string{githubSignature} }
func (g *github) Timestamped() bool { return false }

func (g *github) Sign(h http.Header, d Delivery) error {
	h.Set(githubSignature, "sha256="+hex.EncodeToString(mac(g.key, d.Body)))
	if d.ID != "" {
		h.Set(githubDelivery, d.ID)
	}
	if d.Event != "" {
		h.Set(githubEvent, d.Event)
	}
	return nil
}

func (g *github) Verify(h http.Header, body []byte, _ time.Time) error {
	raw, err := headerValue(h, githubSignature)
	if err != nil {
		return err
	}
	hexSig, ok := strings.CutPrefix(raw, "sha256=")
	if !ok {
		return fmt.Errorf("%w: %s must start with sha256=", ErrMalformedSignature, githubSignature)
	}
	sig, err := hex.DecodeString(hexSig)
	if err != nil {
		return fmt.Errorf("%w: %s is not hex", ErrMalformedSignature, githubSignature)
	}
	if !hmac.Equal(sig, mac(g.key, body)) {
		return ErrSignatureMismatch
	}
	return nil
}

func (g *github) EventID(h http.Header, _ []byte) (string, error) { return headerID(h, githubDelivery) }
