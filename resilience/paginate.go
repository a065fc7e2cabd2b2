package resilience

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// ErrRepeatedCursor is returned when a page names, as the next one, a
// cursor (or page number) already fetched: following it would loop.
var ErrRepeatedCursor = errors.New("repeated cursor")

// Doer sends one logical call: a [*Client] or a [*Session].
type Doer interface {
	Do(ctx context.Context, req *Request) (*Response, error)
}

// Paging names how a listing is paged: with an opaque cursor
// (?cursor=C, the page says {"data": [...], "next_cursor": "C2"}) or with
// page numbers (?page=N, the page says {"data": [...], "next_page": N+1}).
// A null or absent next ends the listing.
type Paging string

// The two ways of paging a listing.
const (
	PagingCursor Paging = "cursor"
	PagingNumber Paging = "page"
)

// PageError says where a listing stopped: Next is the cursor (or page
// number) of the page that could not be fetched, the one to resume from.
type PageError struct {
	Page  int    // the page that failed, 1-based
	Next  string // its cursor or page number ("" for the first page)
	Pages int    // pages fetched before it
	Err   error
}

func (e *PageError) Error() string {
	return fmt.Sprintf("resilience: listing stopped at page %d after %d pages (resume from %q): %v", e.Page, e.Pages, e.Next, e.Err)
}

func (e *PageError) Unwrap() error { return e.Err }

// Paginate fetches every page of the listing at req.URL through d, handing
// each page's items to each in order. Every page goes through d's
// policy: a page that fails (a 503, a reset, a truncated body) is retried
// by d from its own cursor, never from the start, so no page is fetched
// twice once it succeeded and no item is skipped or repeated. A next
// cursor already fetched ends the listing with [ErrRepeatedCursor]
// instead of looping. On failure the *PageError says where to resume.
func Paginate(ctx context.Context, d Doer, req *Request, paging Paging, each func(items []json.RawMessage) error) (int, error) {
	base, err := url.Parse(req.URL)
	if err != nil {
		_, err = d.Do(ctx, req) // the client explains a bad URL
		return 0, err
	}
	param := string(paging)
	if paging != PagingNumber {
		param = string(PagingCursor)
	}
	fetched := map[string]bool{}
	next := ""
	for page := 1; ; page++ {
		r := *req
		r.URL = pageURL(base, param, next)
		items, following, err := fetchPage(ctx, d, &r, paging)
		if err != nil {
			return page - 1, &PageError{Page: page, Next: next, Pages: page - 1, Err: err}
		}
		if err := each(items); err != nil {
			return page, err
		}
		fetched[next] = true
		if following == "" {
			return page, nil
		}
		if fetched[following] {
			return page, &PageError{Page: page + 1, Next: following, Pages: page,
				Err: fmt.Errorf("%w: page %d names %s %q as the next page, which was already fetched: stopping instead of looping", ErrRepeatedCursor, page, param, following)}
		}
		next = following
	}
}

func pageURL(base *url.URL, param, value string) string {
	u := *base
	q := u.Query()
	if value == "" {
		q.Del(param)
	} else {
		q.Set(param, value)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// fetchPage gets one page and reads its items and next cursor.
func fetchPage(ctx context.Context, d Doer, r *Request, paging Paging) ([]json.RawMessage, string, error) {
	resp, err := d.Do(ctx, r)
	if err != nil {
		return nil, "", err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("status %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	var body struct {
		Data       []json.RawMessage `json:"data"`
		NextCursor *string           `json:"next_cursor"`
		NextPage   *json.Number      `json:"next_page"`
	}
	if err := json.Unmarshal(resp.Body, &body); err != nil {
		return nil, "", fmt.Errorf("the page is not the expected JSON: %w", err)
	}
	switch {
	case paging == PagingNumber && body.NextPage != nil:
		if _, err := strconv.Atoi(body.NextPage.String()); err != nil {
			return nil, "", fmt.Errorf("next_page %q is not a page number", body.NextPage.String())
		}
		return body.Data, body.NextPage.String(), nil
	case paging != PagingNumber && body.NextCursor != nil:
		return body.Data, *body.NextCursor, nil
	}
	return body.Data, "", nil
}
