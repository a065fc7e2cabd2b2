package webhooksig

import (
	"encoding/hex"
	"net/http"
	"testing"
	"time"
)

// TestGitHubPublishedVector checks GitHub's documented example.
func TestGitHubPublishedVector(t *testing.T) {
	s, err := New("github", "It's a Secret to Everybody", Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	if err := s.Sign(h, Delivery{Body: []byte("Hello, World!")}); err != nil {
		t.Fatal(err)
	}
	const want = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	if got := h.Get("X-Hub-Signature-256"); got != want {
		t.Fatalf("signature = %s, want %s", got, want)
	}
	if err := s.Verify(h, []byte("Hello, World!"), time.Now()); err != nil {
		t.Fatalf("published vector rejected: %v", err)
	}
	if err := s.Verify(h, []byte("Hello, World?"), time.Now()); err == nil {
		t.Fatal("vector accepted for a different payload")
	}
}

// TestSlackPublishedVector checks the example of Slack's "Verifying
// requests from Slack" guide.
func TestSlackPublishedVector(t *testing.T) {
	const body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	s, err := New("slack", "8f742231b10e8888abcd99yyyzzz85a5", Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	at := time.Unix(1531420618, 0)
	if err := s.Sign(h, Delivery{Body: []byte(body), Timestamp: at}); err != nil {
		t.Fatal(err)
	}
	const want = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
	if got := h.Get("X-Slack-Signature"); got != want {
		t.Fatalf("signature = %s, want %s", got, want)
	}
	if err := s.Verify(h, []byte(body), at.Add(time.Minute)); err != nil {
		t.Fatalf("published vector rejected: %v", err)
	}
}

func TestGenericHMACTemplate(t *testing.T) {
	s, err := New("hmac", "k", Options{HMAC: HMAC{Header: "X-Sig", Prefix: "sha256=", Signed: "{id}:{timestamp}:{body}", TimestampHeader: "X-Ts", IDHeader: "X-Id"}})
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	at := time.Unix(1700000000, 0)
	if err := s.Sign(h, Delivery{ID: "e1", Timestamp: at, Body: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	want := "sha256=" + hex.EncodeToString(mac([]byte("k"), []byte("e1:1700000000:{}")))
	if got := h.Get("X-Sig"); got != want {
		t.Fatalf("signature = %s, want %s", got, want)
	}
	h.Set("X-Id", "e2")
	if err := s.Verify(h, []byte("{}"), at); err == nil {
		t.Fatal("signature accepted after the signed id changed")
	}
}
