package secrets

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// mayHoldByContains is MayHold's definition read literally: a hint
// anywhere, or a run of cardDigits digits that spaces and dashes may split.
func mayHoldByContains(s string) bool {
	for _, h := range hints {
		if strings.Contains(s, h) {
			return true
		}
	}
	run := 0
	for _, c := range []byte(s) {
		switch {
		case c >= '0' && c <= '9':
			run++
			if run >= cardDigits {
				return true
			}
		case c == ' ' || c == '-':
		default:
			run = 0
		}
	}
	return false
}

// TestMayHoldOnePassAgreesWithItsDefinition checks the one-pass MayHold
// against the definition on strings made of hints, their prefixes and
// near misses, digits, separators and path characters (seed 1, printed on
// failure).
func TestMayHoldOnePassAgreesWithItsDefinition(t *testing.T) {
	parts := []string{"/", "v1", "cus_", "s", "k", "_", "x", "o", "E", "ARER", "ear", "er", "gh", "p_", "github", "_pat",
		"AKI", "A", "SIA", "PRIVATE", " KEY", "0", "12345", "6789", " ", "-", "é", "\x00"}
	parts = append(parts, hints...)
	rng := rand.New(rand.NewPCG(1, 1))
	held := 0
	for i := range 20000 {
		var b strings.Builder
		for range rng.IntN(8) {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		s := b.String()
		want := mayHoldByContains(s)
		if got := MayHold(s); got != want {
			t.Fatalf("seed 1, case %d: MayHold(%q) = %v, its definition says %v", i, s, got, want)
		}
		if want {
			held++
		}
	}
	if held < 1000 || held > 19000 {
		t.Fatalf("only %d of 20000 cases may hold a secret: the cases do not exercise both answers", held)
	}
}
