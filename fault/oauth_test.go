package fault

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const oauthPlan = `
routes:
  - path: /**
    respond: {status: 200, json: {ok: true}}
    faults:
      - oauth: {client_id: app, client_secret: s3cret, refresh_token: rt_user, expires_in: 60s, uses: 2, revoke_after: 2}
`

type tokenAnswer struct {
	status int
	body   map[string]any
}

func tokenRequest(t *testing.T, s *Server, form url.Values, basic bool) tokenAnswer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/oauth/token", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth("app", "s3cret")
	}
	resp, err := s.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return tokenAnswer{resp.StatusCode, body}
}

func withBearer(tok string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + tok}
}

func lastOAuth(s *Server) map[string]string {
	es := s.Journal().Entries()
	for _, a := range es[len(es)-1].Faults {
		if a.Type == "oauth" {
			return a.Params
		}
	}
	return nil
}

func TestOAuthRefreshGrantRotatesAndTokensExpireAfterUses(t *testing.T) {
	s := servePlan(t, oauthPlan)
	ans := tokenRequest(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"rt_user"}}, true)
	require.Equal(t, 200, ans.status, ans.body)
	assert.Equal(t, "Bearer", ans.body["token_type"])
	assert.EqualValues(t, 60, ans.body["expires_in"])
	assert.Equal(t, map[string]string{"grant": "refresh_token", "refresh": "rt#0", "issued": "at#1", "expires_in": "60"}, lastOAuth(s))
	at := ans.body["access_token"].(string)

	assert.Equal(t, []int{200, 200, 401}, statuses(t, s, "/v1/items", 3, withBearer(at)), "uses: 2")
	assert.Equal(t, map[string]string{"verdict": TokenUsedUp, "token": "at#1"}, lastOAuth(s))

	// The refresh token used is retired; the new one works once more, and
	// the grant is revoked after the second token (revoke_after: 2).
	again := tokenRequest(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"rt_user"}}, true)
	assert.Equal(t, 400, again.status)
	assert.Equal(t, "invalid_grant", again.body["error"])
	next := tokenRequest(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {ans.body["refresh_token"].(string)}}, true)
	require.Equal(t, 200, next.status, next.body)
	revoked := tokenRequest(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {next.body["refresh_token"].(string)}}, true)
	assert.Equal(t, 400, revoked.status)
	assert.Equal(t, "invalid_grant", revoked.body["error"])
	assert.Contains(t, revoked.body["error_description"], "authorise the app again")
	assert.Equal(t, "invalid_grant", lastOAuth(s)["error"])

	for _, e := range s.Journal().Entries() {
		for _, v := range e.Headers {
			assert.NotContains(t, v, at, "a token reached the journal")
		}
	}
}

func TestOAuthExpiresByClock(t *testing.T) {
	clk := newFakeClockAt(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := servePlan(t, `
routes:
  - path: /**
    respond: {status: 200}
    faults:
      - oauth: {expires_in: 2s}
`, WithClock(clk))
	ans := tokenRequest(t, s, url.Values{"grant_type": {"client_credentials"}, "client_id": {"faultline"}, "client_secret": {"faultline-secret"}}, false)
	require.Equal(t, 200, ans.status, ans.body)
	assert.NotContains(t, ans.body, "refresh_token", "client_credentials issues no refresh token unless the plan has one")
	at := ans.body["access_token"].(string)
	clk.Advance(1999 * time.Millisecond)
	assert.Equal(t, []int{200}, statuses(t, s, "/v1/x", 1, withBearer(at)))
	clk.Advance(time.Millisecond)
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/v1/x", nil)
	req.Header.Set("Authorization", "Bearer "+at)
	resp, err := s.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 401, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`)
	assert.Equal(t, TokenExpired, lastOAuth(s)["verdict"])
}

func TestOAuthRefusals(t *testing.T) {
	s := servePlan(t, oauthPlan)
	code, _, err := get(t, s, "/v1/items")
	require.NoError(t, err)
	assert.Equal(t, 401, code)
	assert.Equal(t, TokenMissing, lastOAuth(s)["verdict"])
	assert.Equal(t, []int{401}, statuses(t, s, "/v1/items", 1, withBearer("forged")))
	assert.Equal(t, TokenUnknown, lastOAuth(s)["verdict"])

	wrong := tokenRequest(t, s, url.Values{"grant_type": {"client_credentials"}, "client_id": {"app"}, "client_secret": {"nope"}}, false)
	assert.Equal(t, 401, wrong.status)
	assert.Equal(t, "invalid_client", wrong.body["error"])
	bad := tokenRequest(t, s, url.Values{"grant_type": {"password"}}, true)
	assert.Equal(t, "unsupported_grant_type", bad.body["error"])
}

func TestOAuthDecodeErrors(t *testing.T) {
	for src, want := range map[string]string{
		`{expires_in: 1500ms}`: "expires_in: 1.5s: give whole seconds",
		`{token_path: token}`:  `token_path: "token" must start with /`,
		`{uses: -1}`:           "uses: must not be negative",
		`{revoke_after: 1}`:    "give refresh_token too",
		`{expires: 3s}`:        `unknown key "expires"`,
	} {
		_, err := LoadPlan("p.yaml", []byte("routes:\n  - path: /x\n    faults:\n      - oauth: "+src+"\n"))
		require.Error(t, err, src)
		assert.Contains(t, err.Error(), want, src)
		assert.ErrorIs(t, err, ErrInvalid)
	}
}
