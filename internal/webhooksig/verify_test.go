package webhooksig

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

var allSchemes = []struct{ name, secret string }{
	{"stripe", stripeSecret},
	{"standard", standardSecret},
	{"github", "gh-secret"},
	{"shopify", "shop-secret"},
	{"slack", "slack-secret"},
	{"hmac", "generic-secret"},
}

func newFor(t *testing.T, name, secret string) Scheme {
	t.Helper()
	s, err := New(name, secret, Options{HMAC: HMAC{Header: "X-Sig", Signed: "{timestamp}.{body}", TimestampHeader: "X-Ts", IDHeader: "X-Id"}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func signed(t *testing.T, s Scheme, at time.Time) (http.Header, []byte) {
	t.Helper()
	body := []byte(`{"id":"evt_1","event_id":"Ev1","type":"x"}`)
	h := http.Header{}
	if err := s.Sign(h, Delivery{ID: "evt_1", Event: "x", Timestamp: at, Body: body}); err != nil {
		t.Fatal(err)
	}
	return h, body
}

func TestVerifyEveryScheme(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	for _, sc := range allSchemes {
		t.Run(sc.name, func(t *testing.T) {
			s := newFor(t, sc.name, sc.secret)
			h, body := signed(t, s, now)
			if err := s.Verify(h, body, now.Add(time.Minute)); err != nil {
				t.Fatalf("valid delivery rejected: %v", err)
			}
			if id, err := s.EventID(h, body); err != nil || id == "" {
				t.Fatalf("EventID = %q, %v", id, err)
			}

			tampered := append([]byte(nil), body...)
			tampered[len(tampered)-2] = 'y'
			wantErr(t, "tampered body", s.Verify(h, tampered, now), ErrSignatureMismatch)

			other := newFor(t, sc.name, sc.secret[:len(sc.secret)-4]+"AAAA")
			oh, _ := signed(t, other, now)
			wantErr(t, "wrong secret", s.Verify(oh, body, now), ErrSignatureMismatch)

			for _, name := range s.Headers() {
				mh := h.Clone()
				mh.Del(name)
				wantErr(t, "missing "+name, s.Verify(mh, body, now), ErrMissingSignature)
			}
			if first := strings.ToLower(s.Headers()[0]); !strings.Contains(first, "sig") && !strings.Contains(first, "hmac") {
				t.Fatalf("Headers()[0] = %s, want the signature header", first)
			}
			mh := h.Clone()
			mh.Set(s.Headers()[0], "garbage!!")
			if err := s.Verify(mh, body, now); !errors.Is(err, ErrMalformedSignature) && !errors.Is(err, ErrSignatureMismatch) {
				t.Fatalf("garbage header: err = %v", err)
			}

			if s.Timestamped() {
				wantErr(t, "stale", s.Verify(h, body, now.Add(DefaultTolerance+time.Minute)), ErrTooOld)
				wantErr(t, "future", s.Verify(h, body, now.Add(-DefaultTolerance-time.Minute)), ErrTooNew)
			} else if err := s.Verify(h, body, now.Add(24*time.Hour)); err != nil {
				t.Fatalf("untimestamped scheme rejected a day-old delivery: %v", err)
			}
		})
	}
}

func wantErr(t *testing.T, what string, got, want error) {
	t.Helper()
	if !errors.Is(got, want) {
		t.Fatalf("%s: err = %v, want %v", what, got, want)
	}
}

func TestNewRejectsBadInput(t *testing.T) {
	cases := []struct {
		name, secret string
		o            Options
		want         error
	}{
		{"paypal", "x", Options{}, ErrUnknownScheme},
		{"stripe", "", Options{}, ErrBadSecret},
		{"standard", "whsec_not*base64", Options{}, ErrBadSecret},
		{"hmac", "x", Options{}, ErrBadOptions},
		{"hmac", "x", Options{HMAC: HMAC{Header: "X", Encoding: "rot13"}}, ErrBadOptions},
		{"hmac", "x", Options{HMAC: HMAC{Header: "X", Signed: "{timestamp}.{body}"}}, ErrBadOptions},
	}
	for _, c := range cases {
		_, err := New(c.name, c.secret, c.o)
		if !errors.Is(err, c.want) {
			t.Errorf("New(%q): err = %v, want %v", c.name, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("New(%q): error is not one line: %q", c.name, err)
		}
	}
	if _, err := New("stripe", "whsec_ok", Options{}); err != nil {
		t.Fatalf("valid options rejected: %v", err)
	}
}

func TestEventIDSources(t *testing.T) {
	cases := []struct {
		scheme string
		h      http.Header
		body   string
		want   string
	}{
		{"stripe", nil, `{"id":"evt_9"}`, "evt_9"},
		{"slack", nil, `{"event_id":"Ev9"}`, "Ev9"},
		{"standard", http.Header{"Webhook-Id": {"msg_9"}}, `{}`, "msg_9"},
		{"github", http.Header{"X-Github-Delivery": {"guid-9"}}, `{}`, "guid-9"},
		{"shopify", http.Header{"X-Shopify-Webhook-Id": {"shop-9"}}, `{}`, "shop-9"},
	}
	for _, c := range cases {
		s := newFor(t, c.scheme, standardSecret)
		got, err := s.EventID(c.h, []byte(c.body))
		if err != nil || got != c.want {
			t.Errorf("%s: EventID = %q, %v; want %q", c.scheme, got, err, c.want)
		}
		if _, err := s.EventID(http.Header{}, []byte(`not json`)); !errors.Is(err, ErrNoEventID) {
			t.Errorf("%s: no id: err = %v, want ErrNoEventID", c.scheme, err)
		}
	}
}

func TestRotatingSchemes(t *testing.T) {
	for _, sc := range allSchemes {
		s := newFor(t, sc.name, sc.secret)
		r, ok := s.(Rotating)
		if sc.name != "stripe" && sc.name != "standard" {
			if ok {
				t.Errorf("%s claims to carry several signatures", sc.name)
			}
			continue
		}
		h := http.Header{}
		body := []byte(`{"id":"evt_1"}`)
		now := time.Now()
		if err := r.SignAll(h, Delivery{ID: "m1", Timestamp: now, Body: body}, "whsec_b2xk", sc.secret); err != nil {
			t.Fatal(err)
		}
		if err := s.Verify(h, body, now); err != nil {
			t.Errorf("%s: one valid among several rejected: %v", sc.name, err)
		}
		h = http.Header{}
		_ = r.SignAll(h, Delivery{ID: "m1", Timestamp: now, Body: body}, "whsec_b2xk", "whsec_b2xkZXI=")
		wantErr(t, sc.name+" none valid", s.Verify(h, body, now), ErrSignatureMismatch)
	}
}
