package webhooksig

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"testing"
	"time"
)

// vector is a published signature, kept as data in testdata/vectors.json.
type vector struct {
	Source, Scheme, Secret, ID, Body, Header, Want string
	Timestamp                                      int64
}

// TestPublishedVectors signs and verifies every published vector, and
// rejects each one over a changed body.
func TestPublishedVectors(t *testing.T) {
	data, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vs []vector
	if err := json.Unmarshal(data, &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) < 3 {
		t.Fatalf("only %d vectors", len(vs))
	}
	for _, v := range vs {
		t.Run(v.Scheme, func(t *testing.T) {
			s, err := New(v.Scheme, v.Secret, Options{})
			if err != nil {
				t.Fatal(err)
			}
			at := time.Unix(v.Timestamp, 0)
			h := http.Header{}
			if err := s.Sign(h, Delivery{ID: v.ID, Timestamp: at, Body: []byte(v.Body)}); err != nil {
				t.Fatal(err)
			}
			if got := h.Get(v.Header); got != v.Want {
				t.Fatalf("%s (%s): %s = %s, want %s", v.Scheme, v.Source, v.Header, got, v.Want)
			}
			if err := s.Verify(h, []byte(v.Body), at.Add(time.Minute)); err != nil {
				t.Fatalf("published vector rejected: %v", err)
			}
			if err := s.Verify(h, []byte(v.Body+" "), at); !errors.Is(err, ErrSignatureMismatch) {
				t.Fatalf("vector over another body: err = %v, want ErrSignatureMismatch", err)
			}
		})
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
