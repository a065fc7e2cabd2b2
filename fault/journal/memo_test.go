package journal

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/internal/secrets"
)

// memoCases are values as an entry field sees them, clean ones and ones
// holding a secret, in an order that makes the memo hit, miss and hit
// again: each case is masked twice in a row, and the cases alternate
// between clean and secret.
var memoCases = []struct{ name, v string }{
	{"User-Agent", "Go-http-client/1.1"},
	{"User-Agent", "client/1.0 sk_live_abcdefghijklmnopqrstuv"},
	{"User-Agent", "Go-http-client/1.1"},
	{"User-Agent", "ua ghp_abcdefghijklmnopqrstuvwxyz0123456789"},
	{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) card 4111 1111 1111 1111"},
	{"User-Agent", ""},
	{"User-Agent", strings.Repeat("a", cleanMemoMax+1)},
	{"Content-Type", "application/json"},
	{"Content-Type", "application/json; token=eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl"},
	{"Content-Type", "application/json"},
	{"X-Client-Id", "client-42"},
	{"X-Client-Id", "AKIAABCDEFGHIJKLMNOP"},
	{"", "/v1/customers/cus_00042"},
	{"", "/v1/items;api_key=abcdef123456"},
	{"", "/v1/customers/cus_00042"},
	{"", "/v1/keys/sk_test_abcdefghijklmnop/rotate"},
	{"", "/v1/items;page=2"},
	{"", "/"},
}

// TestCleanMemoMasksAsWithout checks the memo against masking without
// it: every value, seen once or twice in a row, after a clean value or a
// secret one, masks to what it masks to alone, and a secret never
// survives the memo.
func TestCleanMemoMasksAsWithout(t *testing.T) {
	var path, header cleanMemo
	for _, c := range memoCases {
		memo, mask := &header, maskValue
		if c.name == "" {
			memo, mask = &path, maskRequestPath
		}
		want := mask(c.name, c.v)
		for range 2 {
			assert.Equal(t, want, memo.mask(c.name, c.v, mask), "%s %q", c.name, c.v)
		}
		if want != c.v {
			assert.Contains(t, want, secrets.Placeholder, "%q holds a secret", c.v)
			if p := memo.last.Load(); p != nil {
				assert.NotEqual(t, c.v, *p, "the memo kept a value holding a secret")
			}
		}
	}
}

// TestCleanMemoConcurrent masks clean and secret values from several
// goroutines at once (run with -race): each gets its own value's mask.
func TestCleanMemoConcurrent(t *testing.T) {
	var memo cleanMemo
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				c := memoCases[(g+i)%7] // the User-Agent cases
				if got, want := memo.mask(c.name, c.v, maskValue), maskValue(c.name, c.v); got != want {
					errs <- c.v + " masked to " + got
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		require.Fail(t, e)
	}
}

// TestEntryStartMemoized checks whole journal entries: the second request
// from a client with the same User-Agent, path and Content-Type (the memo
// hits) gets the entry the first got, and a request with a secret in them
// after those still has it masked.
func TestEntryStartMemoized(t *testing.T) {
	req := func(path, ua, ct string) Entry {
		r := httptest.NewRequest("GET", "http://127.0.0.1"+path, nil)
		r.Header.Set("User-Agent", ua)
		r.Header.Set("Content-Type", ct)
		var e Entry
		e.start(1, time.Unix(0, 0).UTC(), r, DefaultValueMax)
		return e
	}
	first := req("/v1/charges", "Go-http-client/1.1", "application/json")
	assert.Equal(t, first, req("/v1/charges", "Go-http-client/1.1", "application/json"))
	s := req("/v1/keys/sk_live_abcdefghijklmnop", "ua sk_live_abcdefghijklmnop", "text/plain; x=sk_live_abcdefghijklmnop")
	for _, v := range []string{s.Path, s.UserAgent, s.Headers["Content-Type"]} {
		assert.NotContains(t, v, "sk_live_")
		assert.Contains(t, v, secrets.Placeholder)
	}
	assert.Equal(t, first, req("/v1/charges", "Go-http-client/1.1", "application/json"))
}

// TestCleanMemoRemembersARepeatedValue: a clean value is remembered the
// second time in a row it comes (then the memo answers it without the
// scan), not the first, so a field that changes on every request costs
// no allocation to remember what will not come again.
func TestCleanMemoRemembersARepeatedValue(t *testing.T) {
	var memo cleanMemo
	scans := 0
	counted := func(name, v string) string { scans++; return maskRequestPath(name, v) }
	for _, v := range []string{"/v1/customers/cus_00001", "/v1/customers/cus_00002", "/v1/customers/cus_00003"} {
		assert.Equal(t, v, memo.mask("", v, counted))
		assert.Nil(t, memo.last.Load(), "remembered %q at its first sight", v)
	}
	for range 3 {
		assert.Equal(t, "/v1/customers/cus_00003", memo.mask("", "/v1/customers/cus_00003", counted))
	}
	assert.Equal(t, 4, scans, "scanned again once remembered")
	require.NotNil(t, memo.last.Load())
	assert.Equal(t, "/v1/customers/cus_00003", *memo.last.Load())
}

// TestEntryStartOfChangingPathsAllocatesNothing: entries of requests whose
// path changes each time (a replay asked in random order) allocate
// nothing for the path memo.
func TestEntryStartOfChangingPathsAllocatesNothing(t *testing.T) {
	reqs := make([]*http.Request, 64)
	for i := range reqs {
		reqs[i] = httptest.NewRequest("GET", fmt.Sprintf("http://127.0.0.1/v1/customers/cus_%05d", i), nil)
		reqs[i].Header.Set("User-Agent", "Go-http-client/1.1")
	}
	now, i := time.Now(), 0
	var e Entry
	allocs := testing.AllocsPerRun(1000, func() {
		e.start(uint64(i), now, reqs[i%len(reqs)], DefaultValueMax)
		i++
	})
	assert.Zero(t, allocs)
	assert.Equal(t, reqs[(i-1)%len(reqs)].URL.Path, e.Path)
}
