package resilience

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// authServer is a token endpoint at /token and an API elsewhere that
// accepts only the latest token, unless told to reject everything.
type authServer struct {
	srv       *httptest.Server
	grants    atomic.Int32
	mu        sync.Mutex
	current   string
	grantKind []string
	refreshes []string // refresh tokens presented
	revoked   bool
	rejectAll bool
	apiAuth   []string // Authorization headers the API saw
	hold      time.Duration
}

func newAuthServer(t *testing.T, expiresIn int) *authServer {
	a := &authServer{}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		if r.URL.Path == "/token" {
			a.token(w, r, expiresIn)
			return
		}
		a.apiAuth = append(a.apiAuth, r.Header.Get("Authorization"))
		if a.rejectAll || r.Header.Get("Authorization") != "Bearer "+a.current {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"ok":true}`)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *authServer) token(w http.ResponseWriter, r *http.Request, expiresIn int) {
	time.Sleep(a.hold)
	_ = r.ParseForm()
	if id, secret, _ := r.BasicAuth(); id != "app" || secret != "s3cret" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	g := r.PostForm.Get("grant_type")
	a.grantKind = append(a.grantKind, g)
	w.Header().Set("Content-Type", "application/json")
	if g == "refresh_token" {
		a.refreshes = append(a.refreshes, r.PostForm.Get("refresh_token"))
		if a.revoked {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"invalid_grant"}`)
			return
		}
	}
	n := a.grants.Add(1)
	a.current = fmt.Sprintf("at%d", n)
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": a.current, "token_type": "Bearer", "expires_in": expiresIn, "refresh_token": fmt.Sprintf("rt%d", n)})
}

func (a *authServer) session(clock Clock, refresh string) *Session {
	p := testPolicy()
	c := New(p, WithClock(clock))
	ts := NewTokenSource(OAuthConfig{TokenURL: a.srv.URL + "/token", ClientID: "app", ClientSecret: "s3cret", RefreshToken: refresh}, nil, clock)
	return &Session{Client: c, Tokens: ts}
}

func (a *authServer) get(t *testing.T, s *Session) (*Response, error) {
	t.Helper()
	return s.Do(context.Background(), &Request{URL: a.srv.URL + "/v1/items"})
}

// getConcurrently makes n calls at once, each of which must succeed.
func (a *authServer) getConcurrently(t *testing.T, s *Session, n int) {
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := a.get(t, s)
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
}

func TestTokenRefreshedAtFourFifthsOfItsLifetime(t *testing.T) {
	a := newAuthServer(t, 10)
	clock := newFakeClock()
	s := a.session(clock, "")
	start := clock.Now()
	for _, at := range []time.Duration{0, 7 * time.Second, 7900 * time.Millisecond} {
		clock.advance(start.Add(at).Sub(clock.Now()))
		_, err := a.get(t, s)
		require.NoError(t, err)
	}
	assert.EqualValues(t, 1, a.grants.Load(), "used until 80% of its 10s lifetime")
	clock.advance(100 * time.Millisecond) // 8.0s: replaced before use
	_, err := a.get(t, s)
	require.NoError(t, err)
	assert.EqualValues(t, 2, a.grants.Load())
	assert.Equal(t, []string{"client_credentials", "refresh_token"}, a.grantKind, "the refresh token the first grant gave is used")
}

func TestConcurrentCallersShareOneRefresh(t *testing.T) {
	a := newAuthServer(t, 3600)
	a.hold = 30 * time.Millisecond
	s := a.session(realClock{}, "rt0")
	a.getConcurrently(t, s, 8)
	assert.EqualValues(t, 1, a.grants.Load(), "eight callers, one token request")

	// The API drops the token: every caller sees a 401, one refresh follows.
	a.mu.Lock()
	a.current = "revoked-by-the-api"
	a.mu.Unlock()
	a.hold = 0
	a.getConcurrently(t, s, 8)
	assert.EqualValues(t, 2, a.grants.Load(), "one refresh for one rejected token")
	assert.Equal(t, []string{"rt0", "rt1"}, a.refreshes, "the rotated refresh token is used")
}

func TestInvalidTokenIsRetriedOnceOnly(t *testing.T) {
	a := newAuthServer(t, 3600)
	a.rejectAll = true
	s := a.session(realClock{}, "")
	resp, err := a.get(t, s)
	require.Error(t, err)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Len(t, a.apiAuth, 2, "the call, then once more with a new token")
	assert.Equal(t, []string{"Bearer at1", "Bearer at2"}, a.apiAuth)
}

func TestRevokedGrantStopsWithReauthorisationNeeded(t *testing.T) {
	a := newAuthServer(t, 3600)
	a.revoked = true
	s := a.session(realClock{}, "rt0")
	for range 3 {
		_, err := a.get(t, s)
		require.ErrorIs(t, err, ErrReauthorize)
		assert.Contains(t, err.Error(), "reauthorisation needed")
		assert.Contains(t, err.Error(), "invalid_grant")
	}
	assert.Len(t, a.refreshes, 1, "one invalid_grant ends it: no loop")
	assert.Empty(t, a.apiAuth, "no call was sent without a token")
}

func TestRedirectsKeepCredentialsOnTheirHost(t *testing.T) {
	var storageAuth []string
	storage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		storageAuth = append(storageAuth, r.Header.Get("Authorization"))
		fmt.Fprint(w, "id,amount\n")
	}))
	defer storage.Close()
	a := newAuthServer(t, 3600)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			a.srv.Config.Handler.ServeHTTP(w, r)
			return
		}
		http.Redirect(w, r, storage.URL+"/export.csv", http.StatusFound)
	}))
	defer api.Close()
	s := a.session(realClock{}, "")
	s.Tokens = NewTokenSource(OAuthConfig{TokenURL: api.URL + "/token", ClientID: "app", ClientSecret: "s3cret"}, nil, nil)
	resp, err := s.Do(context.Background(), &Request{URL: api.URL + "/v1/export", Header: http.Header{"Cookie": {"session=1"}}})
	require.NoError(t, err)
	assert.Equal(t, "id,amount\n", string(resp.Body))
	assert.Equal(t, []string{""}, storageAuth, "no Authorization for another host")
}

func TestRedirectFromHTTPSToHTTPRefused(t *testing.T) {
	var plain atomic.Int32
	insecure := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { plain.Add(1) }))
	defer insecure.Close()
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, insecure.URL+"/x", http.StatusMovedPermanently)
	}))
	defer secure.Close()
	s := &Session{Client: New(testPolicy(), WithTransport(secure.Client().Transport))}
	_, err := s.Do(context.Background(), &Request{URL: secure.URL + "/x"})
	require.ErrorIs(t, err, ErrUnsafeRedirect)
	assert.Contains(t, err.Error(), "from https to http")
	assert.Zero(t, plain.Load())
}

func TestTooManyRedirects(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, srv.URL+"/again", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	s := &Session{Client: New(testPolicy()), MaxRedirects: 2}
	_, err := s.Do(context.Background(), &Request{URL: srv.URL + "/x"})
	require.True(t, errors.Is(err, ErrUnsafeRedirect), err)
	assert.True(t, strings.Contains(err.Error(), "more than 2 redirects"), err)
}
