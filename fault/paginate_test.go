package fault

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type listing struct {
	Data []struct {
		ID     string `json:"id"`
		N      int    `json:"n"`
		Amount int    `json:"amount"`
	} `json:"data"`
	NextCursor *string `json:"next_cursor"`
	NextPage   *int    `json:"next_page"`
}

func fetchPage(t *testing.T, s *Server, query string) (listing, error) {
	t.Helper()
	resp, err := freshConns(s).Get(s.URL + "/v1/items" + query)
	if err != nil {
		return listing{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return listing{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return listing{}, &http.ProtocolError{ErrorString: resp.Status}
	}
	var l listing
	require.NoError(t, json.Unmarshal(body, &l))
	return l, nil
}

func paginatePlan(params string) string {
	return "routes:\n  - path: /v1/items\n    faults:\n      - paginate: " + params + "\n"
}

func TestPaginateCursorListingWithAFaultAtPage(t *testing.T) {
	for _, kind := range []string{"status", "reset", "truncate"} {
		t.Run(kind, func(t *testing.T) {
			s := servePlan(t, paginatePlan(`{items: 25, page_size: 10, fault: {page: 2, kind: `+kind+`}}`))
			var ids []string
			cursor := ""
			failures := 0
			for range 10 {
				l, err := fetchPage(t, s, "?cursor="+cursor)
				if err != nil {
					failures++
					continue // resume from the same cursor
				}
				for _, it := range l.Data {
					ids = append(ids, it.ID)
				}
				if l.NextCursor == nil {
					break
				}
				cursor = *l.NextCursor
			}
			assert.Equal(t, 1, failures, "the fault fires once at page 2")
			require.Len(t, ids, 25)
			assert.Equal(t, "item_0001", ids[0])
			assert.Equal(t, "item_0025", ids[24])
			es := settled(t, s) // a reset or cut response reaches the client before its entry is recorded
			require.Len(t, es, 4)
			assert.Equal(t, kind, es[1].Faults[0].Params["fault"])
			assert.Equal(t, "2", es[1].Faults[0].Params["page"])
			assert.Equal(t, "2", es[2].Faults[0].Params["page"])
			assert.Equal(t, "", es[3].Faults[0].Params["next"], "the last page has no next cursor")
		})
	}
}

func TestPaginateItemsAreStableAndSeeded(t *testing.T) {
	a := servePlan(t, paginatePlan(`{items: 5, seed: 7}`))
	b := servePlan(t, paginatePlan(`{items: 5, seed: 8}`))
	first, err := fetchPage(t, a, "")
	require.NoError(t, err)
	again, err := fetchPage(t, a, "")
	require.NoError(t, err)
	other, err := fetchPage(t, b, "")
	require.NoError(t, err)
	assert.Equal(t, first, again)
	assert.NotEqual(t, first.Data[0].Amount, other.Data[0].Amount)
}

func TestPaginateRepeatedCursorAndPageNumbers(t *testing.T) {
	s := servePlan(t, paginatePlan(`{items: 30, style: page, fault: {page: 2, kind: repeat_cursor}}`))
	l, err := fetchPage(t, s, "")
	require.NoError(t, err)
	assert.Equal(t, 2, *l.NextPage)
	l, err = fetchPage(t, s, "?page=2")
	require.NoError(t, err)
	assert.Equal(t, 2, *l.NextPage, "page 2 points at itself")
	assert.Equal(t, "item_0011", l.Data[0].ID)

	c := servePlan(t, paginatePlan(`{items: 30, fault: {page: 3, kind: repeat_cursor}}`))
	l, err = fetchPage(t, c, "?cursor="+pageCursor(3))
	require.NoError(t, err)
	assert.Equal(t, pageCursor(3), *l.NextCursor, "page 3 gives back the cursor it was fetched with")
	_, err = fetchPage(t, c, "?cursor=forged")
	assert.Error(t, err)
}

func TestPaginateDecodeErrors(t *testing.T) {
	for src, want := range map[string]string{
		`{page_size: 0}`:  "page_size: 0: give a page size",
		`{style: offset}`: `"offset": use cursor or page`,
		`{items: 20, fault: {page: 3, kind: status}}`: "page 3: the listing has pages 1 to 2",
		`{fault: {page: 2, kind: slow}}`:              `kind "slow": use status, reset, truncate or repeat_cursor`,
		`{fault: {page: 1, kind: repeat_cursor}}`:     "would end the listing",
	} {
		_, err := LoadPlan("p.yaml", []byte(paginatePlan(src)))
		require.Error(t, err, src)
		assert.Contains(t, err.Error(), want, src)
	}
}
