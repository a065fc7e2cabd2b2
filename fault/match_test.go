package fault

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Every pattern matches itself segment by segment, so matchPath's answer
// for a path equal to its pattern is the one matchSegments gives: seeded
// random patterns (seed 5) of literal, empty and wildcard segments.
func TestPatternMatchesItself(t *testing.T) {
	segs := []string{"v1", "charges", "", "*", "{id}", "**", "{rest...}", "a.b", "{", "}", "...}", "%2F"}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(6) {
			if rng.IntN(4) > 0 {
				b.WriteByte('/')
			}
			b.WriteString(segs[rng.IntN(len(segs))])
		}
		if rng.IntN(3) == 0 {
			b.WriteByte('/')
		}
		p := b.String()
		require.True(t, matchSegments(p, p), "seed 5: %q does not match itself", p)
		require.True(t, matchPath(p, p))
	}
}

// BenchmarkMatchLiteral is a stub route's literal path asked for, as
// bench/fault's rows ask it: go test -run '^$' -bench MatchLiteral ./fault/
func BenchmarkMatchLiteral(b *testing.B) {
	pattern, path := "/v1/charges", strings.Clone("/v1/charges") // as a request's own copy
	for b.Loop() {
		if !matchPath(pattern, path) {
			b.Fatal("no match")
		}
	}
}
