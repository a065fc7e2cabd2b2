package secrets

import (
	"strings"
	"testing"
)

// FuzzMask: masking never panics, leaves no known secret behind, and
// leaves text without one unchanged.
func FuzzMask(f *testing.F) {
	for _, s := range []string{"plain", "Bearer abcdefghijk", rsaKey, "card 4242 4242 4242 4242.", "sk_live_abcdefghijklmnop",
		"-----BEGIN PRIVATE KEY-----", "eyJhbGciOi.eyJzdWIiOi.sig12345", "4111111111111111"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Mask(s, Placeholder)
		if ms := Find(out); len(ms) > 0 {
			t.Fatalf("Mask(%q) = %q still holds a %s", s, out, ms[0].Rule)
		}
		if len(Find(s)) == 0 && out != s {
			t.Fatalf("Mask changed %q without a secret in it", s)
		}
		_ = MaskQuery(s, Placeholder)
		_ = MaskPath(s, Placeholder)
		_ = IsPlaceholder(s) || Value(s) || Name(s) || QueryName(s) || strings.Contains(s, Placeholder)
	})
}
