package webhooksig

import (
	"bytes"
	"net/http"
	"testing"
	"time"
)

// FuzzVerify: for every scheme, a signed body verifies, any other body does
// not, and arbitrary header values never panic or verify.
func FuzzVerify(f *testing.F) {
	f.Add([]byte(`{"id":"evt_1","event_id":"Ev1"}`), []byte("x"), "t=1,v1=00")
	f.Add([]byte(""), []byte(""), "v1,AAAA v1,")
	f.Add([]byte("Hello, World!"), []byte("!"), "sha256=")
	now := time.Unix(1_800_000_000, 0)
	var schemes []Scheme
	for _, sc := range allSchemes {
		s, err := New(sc.name, sc.secret, Options{HMAC: HMAC{Header: "X-Sig", Signed: "{timestamp}.{body}", TimestampHeader: "X-Ts", IDHeader: "X-Id"}})
		if err != nil {
			f.Fatal(err)
		}
		schemes = append(schemes, s)
	}
	f.Fuzz(func(t *testing.T, body, other []byte, junk string) {
		for _, s := range schemes {
			h := http.Header{}
			if err := s.Sign(h, Delivery{ID: "id_1", Timestamp: now, Body: body}); err != nil {
				t.Fatal(err)
			}
			if err := s.Verify(h, body, now); err != nil {
				t.Fatalf("%s: own signature rejected: %v", s.Name(), err)
			}
			if !bytes.Equal(body, other) && s.Verify(h, other, now) == nil {
				t.Fatalf("%s: signature over %q accepted for %q", s.Name(), body, other)
			}
			for _, name := range s.Headers() {
				g := h.Clone()
				g.Set(name, junk)
				if g.Get(name) != h.Get(name) && name == s.Headers()[0] && s.Verify(g, body, now) == nil {
					t.Fatalf("%s: junk %s %q accepted", s.Name(), name, junk)
				}
			}
		}
	})
}
