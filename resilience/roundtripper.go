package resilience

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
)

// RoundTripper returns the client as an http.RoundTripper, to put the whole
// policy under any *http.Client or SDK:
//
//	hc := &http.Client{Transport: c.RoundTripper()}
//
// A call that failed after the upstream answered returns that last response
// with a nil error, as RoundTripper requires; only calls with no response
// (circuit open, network failures) return an error, which is an *Error.
func (c *Client) RoundTripper() http.RoundTripper { return roundTripper{c} }

type roundTripper struct{ c *Client }

func (rt roundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		b, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("resilience: reading the request body: %w", err)
		}
		body = b
	}
	resp, err := rt.c.Do(r.Context(), &Request{
		Method: r.Method, URL: r.URL.String(), Header: r.Header, Body: body,
		IdempotencyKey: r.Header.Get(rt.c.p.Idempotency.Header),
	})
	if resp == nil {
		return nil, err
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode)),
		StatusCode:    resp.StatusCode,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        resp.Header,
		Body:          io.NopCloser(bytes.NewReader(resp.Body)),
		ContentLength: int64(len(resp.Body)),
		Request:       r,
	}, nil
}
