package webhook

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func harnessFor(t *testing.T, h http.Handler, scheme, secret string, eff EffectCounter) *Harness {
	t.Helper()
	hs, err := NewHarness(FuzzTarget{Handler: h, Scheme: scheme, Secret: secret, Effects: eff, Deadline: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return hs
}

// Each flaw is caught by the mutation aimed at it, and only by that one.
func TestFuzzHarnessCatchesFlaws(t *testing.T) {
	payload := []byte(`{"amount":1}`)
	sixteen := []byte{0, 14} // 2 + 14 copies
	cases := []struct {
		name  string
		flaws flaws
		op    uint8
		want  string
	}{
		{"no signature check, wrong secret", flaws{noVerify: true}, 4, "bad signature"},
		{"no signature check, tampered body", flaws{noVerify: true}, 1, "bad signature"},
		{"check-then-insert race", flaws{raceGap: 250 * time.Millisecond}, 7, "want at most one"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, eff := newFlawed(t, "stripe", stripeSecret, c.flaws)
			err := harnessFor(t, h, "stripe", stripeSecret, eff).Check(payload, c.op, sixteen)
			if !errors.Is(err, ErrInvariant) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want an invariant error containing %q", err, c.want)
			}
			sound, eff := newFlawed(t, "stripe", stripeSecret, flaws{})
			if err := harnessFor(t, sound, "stripe", stripeSecret, eff).Check(payload, c.op, sixteen); err != nil {
				t.Fatalf("sound handler flagged: %v", err)
			}
		})
	}
}

func TestFuzzHarnessCatchesPanicsHangsAnd5xx(t *testing.T) {
	var once sync.Once
	release := make(chan struct{})
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	handlers := map[string]http.HandlerFunc{
		"panicked": func(http.ResponseWriter, *http.Request) { panic("nil map") },
		"did not answer": func(w http.ResponseWriter, r *http.Request) {
			<-release
		},
		"answered 500": func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) },
	}
	for want, h := range handlers {
		err := harnessFor(t, h, "github", "gh", nil).Check([]byte("{"), 0x80, nil)
		if !errors.Is(err, ErrInvariant) || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want %q", err, want)
		}
	}
	once.Do(func() { close(release) })
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(400) })
	if err := harnessFor(t, ok, "github", "gh", nil).Check([]byte("{"), 0x80, nil); err != nil {
		t.Fatalf("a handler answering 400 flagged: %v", err)
	}
}

func TestFuzzRejectsBadTarget(t *testing.T) {
	if _, err := NewHarness(FuzzTarget{Scheme: "stripe", Secret: "x"}); !errors.Is(err, ErrOptions) {
		t.Fatalf("nil handler: err = %v", err)
	}
	if _, err := NewHarness(FuzzTarget{Handler: http.NotFoundHandler(), Scheme: "nope", Secret: "x"}); !errors.Is(err, ErrOptions) {
		t.Fatalf("bad scheme: err = %v", err)
	}
}
