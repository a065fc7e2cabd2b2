package scenarios

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/faultline-dev/faultline/resilience"
)

// listCall has the reference client fetch a whole listing, page by page.
// Attempts counts the pages fetched.
func listCall(ctx context.Context, client *resilience.Session, c *Call, baseURL string) CallResult {
	req := &resilience.Request{Method: http.MethodGet, URL: baseURL + c.Path, Header: http.Header{}, Kind: resilience.Kind(c.Kind)}
	for k, v := range c.Headers {
		req.Header.Set(k, v)
	}
	res := CallResult{Method: http.MethodGet, Path: c.Path, Start: time.Now()}
	pages, err := resilience.Paginate(ctx, client, req, resilience.Paging(c.Paginate), func([]json.RawMessage) error { return nil })
	res.Duration, res.Err, res.Attempts = time.Since(res.Start), err, pages
	if err == nil {
		res.Status = http.StatusOK
	}
	return res
}
