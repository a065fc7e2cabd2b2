package resilience

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ErrUnsafeRedirect is returned for a redirect the session refuses to
// follow: from https to http (a downgrade would send the request, and any
// credentials, in the clear), or one hop too many.
var ErrUnsafeRedirect = errors.New("unsafe redirect")

// Session sends calls through a [Client] with credentials, the way the
// integration guides ask:
//
//   - every call to the API's host carries a bearer token from Tokens
//     (when set), which refreshes it before it expires;
//   - a 401 with `WWW-Authenticate: Bearer error="invalid_token"` has the
//     token replaced and the call sent once more, never twice;
//   - redirects are followed (up to MaxRedirects), but Authorization and
//     cookies never go to another host, and https is never downgraded to
//     http.
//
// Every attempt of one call, redirects and the retry after a refresh
// included, carries one X-Request-Id.
type Session struct {
	Client       *Client
	Tokens       *TokenSource // nil: no credentials are added
	MaxRedirects int          // 0 means 5
}

// Do sends req and returns the final response, as [Client.Do] does.
func (s *Session) Do(ctx context.Context, req *Request) (*Response, error) {
	r := *req
	r.Header = req.Header.Clone()
	if r.Header == nil {
		r.Header = http.Header{}
	}
	if r.Header.Get(requestIDHeader) == "" {
		r.Header.Set(requestIDHeader, s.Client.uuid())
	}
	origin, err := url.Parse(r.URL)
	if err != nil {
		return s.Client.Do(ctx, &r) // the client explains a bad URL
	}
	maxHops := s.MaxRedirects
	if maxHops <= 0 {
		maxHops = 5
	}
	for hop := 0; ; hop++ {
		resp, err := s.send(ctx, &r, sameHost(origin, r.URL))
		loc := redirectTo(resp)
		if err != nil || loc == "" {
			return resp, err
		}
		if hop == maxHops {
			return resp, fmt.Errorf("resilience: %s %s: %w: more than %d redirects", r.Method, maskURLString(r.URL), ErrUnsafeRedirect, maxHops)
		}
		if err := s.redirect(&r, resp.StatusCode, loc); err != nil {
			return resp, err
		}
	}
}

// send makes the call, with a bearer token when authorised is true, and
// repeats it once with a new token if the API says the token is invalid.
func (s *Session) send(ctx context.Context, r *Request, authorised bool) (*Response, error) {
	if s.Tokens == nil || !authorised {
		return s.Client.Do(ctx, r)
	}
	var resp *Response
	var err error
	for try := 0; try < 2; try++ {
		tok, terr := s.Tokens.Token(ctx)
		if terr != nil {
			return nil, fmt.Errorf("resilience: %s %s: %w", r.Method, maskURLString(r.URL), terr)
		}
		r.Header.Set("Authorization", "Bearer "+tok)
		resp, err = s.Client.Do(ctx, r)
		if resp == nil || resp.StatusCode != http.StatusUnauthorized || !invalidToken(resp.Header) {
			break
		}
		s.Tokens.Invalidate(tok)
	}
	r.Header.Del("Authorization")
	return resp, err
}

// invalidToken reports whether a 401 says the bearer token itself is bad
// (RFC 6750 section 3.1): expired, revoked or malformed.
func invalidToken(h http.Header) bool {
	for _, v := range h.Values("WWW-Authenticate") {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(v)), "bearer") && strings.Contains(v, `error="invalid_token"`) {
			return true
		}
	}
	return false
}

// redirectTo returns the Location of a redirect response, or "".
func redirectTo(resp *Response) string {
	if resp == nil {
		return ""
	}
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return resp.Header.Get("Location")
	}
	return ""
}

// redirect rewrites r to follow a redirect, refusing a downgrade and
// dropping credentials that would leave their host.
func (s *Session) redirect(r *Request, status int, loc string) error {
	from, err := url.Parse(r.URL)
	if err != nil {
		return err
	}
	to, err := from.Parse(loc)
	if err != nil {
		return fmt.Errorf("resilience: %s %s: redirect to an invalid Location: %w", r.Method, maskURLString(r.URL), err)
	}
	if from.Scheme == "https" && to.Scheme != "https" {
		return fmt.Errorf("resilience: %s %s: %w: refused to follow a redirect from https to %s (%s): it would send the request in the clear",
			r.Method, maskURLString(r.URL), ErrUnsafeRedirect, to.Scheme, maskURL(to))
	}
	if !sameHost(from, to.String()) {
		for _, h := range []string{"Authorization", "Cookie", "Proxy-Authorization"} {
			r.Header.Del(h)
		}
	}
	if status == http.StatusSeeOther || (status <= http.StatusFound && r.Method == http.MethodPost) {
		r.Method, r.Body = http.MethodGet, nil
		r.Header.Del("Content-Type")
	}
	r.URL = to.String()
	return nil
}

// sameHost reports whether raw addresses origin's scheme, host and port.
func sameHost(origin *url.URL, raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && strings.EqualFold(u.Scheme, origin.Scheme) && strings.EqualFold(u.Host, origin.Host)
}

func maskURLString(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	return maskURL(u)
}
