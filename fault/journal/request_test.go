package journal

import (
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJournalMasksLikeTheRedactor(t *testing.T) {
	assert.Equal(t, "pwd=[REDACTED]&jwt=[REDACTED]&passphrase=[REDACTED]&page=2", maskQuery("pwd=hunter2&jwt=eyJabc&passphrase=p&page=2"))
	assert.Equal(t, "q=[REDACTED]", maskQuery("q=sk_live_abcdefghijklmnop"), "a known key format is masked under any name")
}

// The one pass over a request's headers finds what the lookups find, for
// seeded random header sets: the kept names, others, empty and repeated
// values, non-canonical keys, secrets and values over the cut.
func TestScanHeadersAgreesWithLookups(t *testing.T) {
	names := append([]string{"Idempotency-Key", "X-Request-Id", "User-Agent", "Accept", "Accept-Encoding", "X-Other",
		"content-type", "user-agent", "Content-Length"}, journalHeaders...)
	values := []string{"", "application/json", "Bearer sk_live_4eC39HqLyjWDarjtT1zdp7dc", "Basic dXNlcjpwYXNz",
		"ghp_16C7e42F292c6912E7710c838347Ae178B4a", "go-client/1.0", strings.Repeat("é", 700), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
	rnd := rand.New(rand.NewPCG(12, 12))
	for i := 0; i < 5000; i++ {
		h := http.Header{}
		for n := rnd.IntN(11); len(h) < n; {
			k := names[rnd.IntN(len(names))]
			vv := []string{}
			for m := rnd.IntN(3); m > 0; m-- {
				vv = append(vv, values[rnd.IntN(len(values))])
			}
			h[k] = vv
		}
		require.LessOrEqual(t, len(h), len(journalHeaders)+3, "the set must take the one-pass path")
		require.Equal(t, lookupHeaders(h, 1024), scanHeaders(h, 1024), "headers %q", h)
	}
}

func TestJournalHeaderIsTheList(t *testing.T) {
	for _, k := range journalHeaders {
		assert.True(t, journalHeader(k), k)
	}
	for _, k := range []string{"User-Agent", "content-type", "Accept", "", "X-Api-Keys"} {
		assert.False(t, journalHeader(k), k)
	}
}
