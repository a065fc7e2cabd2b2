package resilience

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/sync/singleflight"
)

// ErrReauthorize is returned once the authorisation server refuses the
// grant itself (invalid_grant: the refresh token was revoked or expired).
// No retry or refresh can help: a person must authorise the app again.
// Every later call fails with it at once, without touching the network.
var ErrReauthorize = errors.New("reauthorisation needed")

// OAuthConfig says how a [TokenSource] obtains access tokens (RFC 6749):
// with the refresh_token grant when RefreshToken is set (a user's grant
// held by the app), else with the client_credentials grant.
type OAuthConfig struct {
	TokenURL     string
	ClientID     string
	ClientSecret string
	RefreshToken string
	Scopes       []string
	// RefreshAt is the fraction of a token's lifetime (from expires_in)
	// after which it is replaced before use; 0 means 0.8.
	RefreshAt float64
}

// TokenSource hands out bearer tokens. It refreshes a token proactively,
// once RefreshAt of its lifetime has passed, so that calls never carry an
// expired one; concurrent callers share one refresh (single flight); a
// token the API rejected is replaced once, whoever asks; and after an
// invalid_grant it stops for good with [ErrReauthorize]. The protocol
// itself (form encoding, client authentication, errors) is
// golang.org/x/oauth2's.
type TokenSource struct {
	cfg   OAuthConfig
	hc    *http.Client
	clock Clock
	group singleflight.Group

	mu        sync.Mutex
	tok       *oauth2.Token
	refreshAt time.Time // zero: refresh before the next use
	refresh   string    // the current refresh token (they rotate)
	dead      error     // ErrReauthorize once the grant is gone
}

// NewTokenSource returns a token source that talks to the token endpoint
// through hc (nil: http.DefaultClient). Pass a [Client]'s RoundTripper in
// hc to give token requests the same timeouts and retries as API calls.
func NewTokenSource(cfg OAuthConfig, hc *http.Client, clock Clock) *TokenSource {
	if hc == nil {
		hc = http.DefaultClient
	}
	if clock == nil {
		clock = realClock{}
	}
	if cfg.RefreshAt <= 0 || cfg.RefreshAt >= 1 {
		cfg.RefreshAt = 0.8
	}
	return &TokenSource{cfg: cfg, hc: hc, clock: clock, refresh: cfg.RefreshToken}
}

// Token returns an access token good for the next request.
func (ts *TokenSource) Token(ctx context.Context) (string, error) {
	ts.mu.Lock()
	switch {
	case ts.dead != nil:
		err := ts.dead
		ts.mu.Unlock()
		return "", err
	case ts.tok != nil && ts.clock.Now().Before(ts.refreshAt):
		tok := ts.tok.AccessToken
		ts.mu.Unlock()
		return tok, nil
	}
	ts.mu.Unlock()
	v, err, _ := ts.group.Do("token", func() (any, error) {
		// Detached from one caller's cancellation: others wait on it too.
		return ts.fetch(context.WithoutCancel(ctx))
	})
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

// Invalidate reports that the API rejected token (401 invalid_token): the
// next Token call fetches a new one, unless another caller already did.
func (ts *TokenSource) Invalidate(token string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.tok != nil && ts.tok.AccessToken == token {
		ts.refreshAt = time.Time{}
	}
}

// fetch obtains a new token; it runs once at a time.
func (ts *TokenSource) fetch(ctx context.Context) (string, error) {
	ts.mu.Lock()
	if ts.tok != nil && ts.clock.Now().Before(ts.refreshAt) {
		tok := ts.tok.AccessToken // refreshed while this caller queued
		ts.mu.Unlock()
		return tok, nil
	}
	refresh := ts.refresh
	ts.mu.Unlock()
	ctx = context.WithValue(ctx, oauth2.HTTPClient, ts.hc)
	var tok *oauth2.Token
	var err error
	if refresh != "" {
		conf := &oauth2.Config{ClientID: ts.cfg.ClientID, ClientSecret: ts.cfg.ClientSecret, Scopes: ts.cfg.Scopes,
			Endpoint: oauth2.Endpoint{TokenURL: ts.cfg.TokenURL, AuthStyle: oauth2.AuthStyleInHeader}}
		tok, err = conf.TokenSource(ctx, &oauth2.Token{RefreshToken: refresh}).Token()
	} else {
		conf := &clientcredentials.Config{ClientID: ts.cfg.ClientID, ClientSecret: ts.cfg.ClientSecret, Scopes: ts.cfg.Scopes,
			TokenURL: ts.cfg.TokenURL, AuthStyle: oauth2.AuthStyleInHeader}
		tok, err = conf.Token(ctx)
	}
	now := ts.clock.Now()
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.ErrorCode == "invalid_grant" {
			ts.dead = fmt.Errorf("%w: the token endpoint answered invalid_grant (the grant was revoked or has expired): ask the user to authorise the app again", ErrReauthorize)
			return "", ts.dead
		}
		return "", fmt.Errorf("resilience: obtaining an access token from %s: %w", maskURLString(ts.cfg.TokenURL), err)
	}
	ts.tok, ts.refreshAt = tok, now.Add(lifetimeShare(tok, ts.cfg.RefreshAt))
	if tok.RefreshToken != "" {
		ts.refresh = tok.RefreshToken
	}
	return tok.AccessToken, nil
}

// lifetimeShare is how long a token is used before it is replaced: share
// of its announced lifetime, or, with no expires_in, until it is rejected.
func lifetimeShare(tok *oauth2.Token, share float64) time.Duration {
	life := lifetime(tok)
	if life <= 0 {
		return 100 * 365 * 24 * time.Hour
	}
	return time.Duration(float64(life) * share)
}

// lifetime is the token's expires_in (x/oauth2 fills ExpiresIn for some
// grants only; the raw field is kept for the others), else what is left
// until its Expiry.
func lifetime(tok *oauth2.Token) time.Duration {
	if tok.ExpiresIn > 0 {
		return time.Duration(tok.ExpiresIn) * time.Second
	}
	switch v := tok.Extra("expires_in").(type) {
	case float64:
		return time.Duration(v * float64(time.Second))
	case string:
		if n, err := strconv.ParseFloat(v, 64); err == nil {
			return time.Duration(n * float64(time.Second))
		}
	}
	if !tok.Expiry.IsZero() {
		return time.Until(tok.Expiry)
	}
	return 0
}
