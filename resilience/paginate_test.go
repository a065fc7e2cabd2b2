package resilience

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pagedAPI serves 3 pages of 2 items by cursor; failAt answers that page
// 503 once; loopAt makes that page name itself as the next.
type pagedAPI struct {
	mu      sync.Mutex
	asked   []string
	failAt  string
	failed  bool
	loopAt  string
	byPages bool
}

func (p *pagedAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	param := "cursor"
	if p.byPages {
		param = "page"
	}
	c := r.URL.Query().Get(param)
	p.asked = append(p.asked, c)
	if p.failAt != "" && c == p.failAt && !p.failed {
		p.failed = true
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	next := map[string]string{"": "p2", "p2": "p3", "p3": ""}
	if p.byPages {
		next = map[string]string{"": "2", "2": "3", "3": ""}
	}
	n := next[c]
	if p.loopAt != "" && c == p.loopAt {
		n = c
	}
	body := map[string]any{"data": []string{c + "a", c + "b"}}
	switch {
	case n == "":
	case p.byPages:
		var num int
		fmt.Sscan(n, &num)
		body["next_page"] = num
	default:
		body["next_cursor"] = n
	}
	_ = json.NewEncoder(w).Encode(body)
}

func list(t *testing.T, api *pagedAPI, paging Paging) ([]string, int, error) {
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	p := testPolicy()
	p.Retry.BaseDelay = 1
	var items []string
	pages, err := Paginate(context.Background(), New(p), &Request{URL: srv.URL + "/v1/items?limit=2"}, paging, func(raw []json.RawMessage) error {
		for _, r := range raw {
			var s string
			require.NoError(t, json.Unmarshal(r, &s))
			items = append(items, s)
		}
		return nil
	})
	return items, pages, err
}

func TestPaginateResumesFromTheFailedCursor(t *testing.T) {
	api := &pagedAPI{failAt: "p2"}
	items, pages, err := list(t, api, PagingCursor)
	require.NoError(t, err)
	assert.Equal(t, 3, pages)
	assert.Equal(t, []string{"a", "b", "p2a", "p2b", "p3a", "p3b"}, items, "nothing skipped, nothing twice")
	assert.Equal(t, []string{"", "p2", "p2", "p3"}, api.asked, "the failed page again, never the first")
}

func TestPaginateStopsOnARepeatedCursor(t *testing.T) {
	for _, tc := range []struct {
		api    *pagedAPI
		paging Paging
	}{{&pagedAPI{loopAt: "p2"}, PagingCursor}, {&pagedAPI{loopAt: "2", byPages: true}, PagingNumber}} {
		items, pages, err := list(t, tc.api, tc.paging)
		require.ErrorIs(t, err, ErrRepeatedCursor)
		var pe *PageError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, 2, pages)
		assert.Len(t, items, 4)
		assert.Len(t, tc.api.asked, 2, "the repeated page is not fetched again")
		assert.Contains(t, err.Error(), "stopping instead of looping")
	}
}

func TestPaginateByPageNumber(t *testing.T) {
	api := &pagedAPI{byPages: true}
	items, pages, err := list(t, api, PagingNumber)
	require.NoError(t, err)
	assert.Equal(t, 3, pages)
	assert.Equal(t, []string{"a", "b", "2a", "2b", "3a", "3b"}, items)
}
