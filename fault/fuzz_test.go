package fault

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// FuzzLoadPlan: no input makes the loader panic, and every error is one
// line that wraps ErrInvalid.
func FuzzLoadPlan(f *testing.F) {
	if data, err := os.ReadFile("../scenarios/examples/all-faults.yaml"); err == nil {
		f.Add(data)
	}
	for _, s := range []string{
		okRoute + "      - latency: {fixed: 10ms}\n",
		"routes:\n  - path: /x\n    faults:\n      - when: {requests: '2..'}\n        rate_limit: {limit: 1}\n",
		"routes: [{path: /a}]\nwebhooks: [{target: 'http://x', scheme: stripe, secret: s, every: 1s, events: [{type: a}]}]\n",
		"routes:\n  - path: [\n", "- a\n", "", "routes: *x\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := LoadPlan("f.yaml", data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}
		if p == nil {
			t.Fatal("nil plan without an error")
		}
	})
}
