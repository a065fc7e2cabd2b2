package fault

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/faultline-dev/faultline/internal/yamlx"
)

func init() { register("oauth", decodeOAuth) }

// OAuth puts an OAuth 2.0 authorisation server and bearer-token checks in
// front of a route: requests to TokenPath are token requests
// (client_credentials and refresh_token grants, RFC 6749), every other
// request must carry a live access token (RFC 6750) or is answered 401.
//
// Tokens die in the ways real ones do: after ExpiresIn (announced in
// expires_in), after Uses requests (earlier than announced, which a client
// can only learn from the 401 `WWW-Authenticate: Bearer error="invalid_token"`),
// and by revocation: once RevokeAfter tokens have been issued, the refresh
// grant answers 400 invalid_grant for good, as when a user disconnects an
// app. Refresh tokens rotate: each refresh grant retires the one it used.
//
// The journal never holds a token: each is named by its issue number
// ("at#2", "rt#1") in the entry's oauth parameters (grant, issued,
// refresh, token, verdict, error). Use it as a pointer: it keeps the
// tokens it issued.
type OAuth struct {
	TokenPath    string
	ClientID     string
	ClientSecret string
	// RefreshToken is a refresh token issued before the run (what a user
	// granted the app); empty: only client_credentials can start.
	RefreshToken string
	ExpiresIn    time.Duration // whole seconds, at least 1s
	Uses         int           // 0: no limit
	RevokeAfter  int           // 0: never revoked

	mu      sync.Mutex
	tokens  map[string]*issued // access tokens by value
	refresh map[string]string  // live refresh tokens: value -> label
	issuedN int
	revoked bool
}

type issued struct {
	label   string
	expires time.Time
	uses    int
}

// OAuth verdicts on a presented access token, as journaled.
const (
	TokenValid   = "valid"
	TokenExpired = "expired" // its lifetime passed
	TokenUsedUp  = "used_up" // its Uses ran out
	TokenUnknown = "unknown" // never issued (or issued before a reset)
	TokenMissing = "missing" // no bearer token at all
)

// Kind implements Fault.
func (*OAuth) Kind() string { return "oauth" }

// Reset forgets every token issued (Handler.Reset calls it).
func (o *OAuth) Reset() {
	o.mu.Lock()
	o.tokens, o.refresh, o.issuedN, o.revoked = nil, nil, 0, false
	o.mu.Unlock()
}

// Serve implements Fault.
func (o *OAuth) Serve(w http.ResponseWriter, r *http.Request, c *Call) {
	if r.URL.Path == o.TokenPath {
		o.serveToken(w, r, c)
		return
	}
	label, verdict := o.check(r, c.Now())
	c.Note("oauth", "verdict", verdict)
	if label != "" {
		c.Note("oauth", "token", label)
	}
	switch verdict {
	case TokenValid:
		c.Next.ServeHTTP(w, r)
	case TokenMissing:
		w.Header().Set("WWW-Authenticate", `Bearer realm="faultline"`)
		oauthJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized", "error_description": "send Authorization: Bearer <access token>"})
	default:
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="faultline", error="invalid_token", error_description="the access token is %s"`, verdict))
		oauthJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": "the access token is " + verdict})
	}
}

// check judges the bearer token r carries and counts its use.
func (o *OAuth) check(r *http.Request, now time.Time) (label, verdict string) {
	tok, ok := bearer(r)
	if !ok {
		return "", TokenMissing
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	t := o.tokens[tok]
	switch {
	case t == nil:
		return "", TokenUnknown
	case !now.Before(t.expires):
		return t.label, TokenExpired
	case o.Uses > 0 && t.uses >= o.Uses:
		return t.label, TokenUsedUp
	}
	t.uses++
	return t.label, TokenValid
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "Bearer ") {
		return "", false
	}
	return h[7:], h[7:] != ""
}

// serveToken answers a token request.
func (o *OAuth) serveToken(w http.ResponseWriter, r *http.Request, c *Call) {
	fail := func(status int, code, why string) {
		c.Note("oauth", "error", code)
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="faultline"`)
		}
		oauthJSON(w, status, map[string]string{"error": code, "error_description": why})
	}
	if r.Method != http.MethodPost {
		fail(http.StatusMethodNotAllowed, "invalid_request", "token requests are POSTed as a form")
		return
	}
	if err := r.ParseForm(); err != nil {
		fail(http.StatusBadRequest, "invalid_request", "the body is not a form")
		return
	}
	grant := r.PostForm.Get("grant_type")
	c.Note("oauth", "grant", grant)
	if !o.clientOK(r) {
		fail(http.StatusUnauthorized, "invalid_client", "unknown client or wrong secret")
		return
	}
	switch grant {
	case "client_credentials":
	case "refresh_token":
		label, why := o.redeem(r.PostForm.Get("refresh_token"))
		if label != "" {
			c.Note("oauth", "refresh", label)
		}
		if why != "" {
			fail(http.StatusBadRequest, "invalid_grant", why)
			return
		}
	default:
		fail(http.StatusBadRequest, "unsupported_grant_type", "use client_credentials or refresh_token")
		return
	}
	o.issue(w, c)
}

func (o *OAuth) clientOK(r *http.Request) bool {
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	return id == o.ClientID && secret == o.ClientSecret
}

// redeem retires a refresh token, or says why it cannot be used.
func (o *OAuth) redeem(rt string) (label, why string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.init()
	label, ok := o.refresh[rt]
	switch {
	case o.revoked:
		return label, "the grant was revoked: the user must authorise the app again"
	case !ok:
		return "", "unknown or already used refresh token"
	}
	delete(o.refresh, rt)
	return label, ""
}

func (o *OAuth) init() {
	if o.tokens != nil {
		return
	}
	o.tokens, o.refresh = map[string]*issued{}, map[string]string{}
	if o.RefreshToken != "" {
		o.refresh[o.RefreshToken] = "rt#0"
	}
}

// issue mints an access token (and a refresh token when the flow has
// them) and writes the token response.
func (o *OAuth) issue(w http.ResponseWriter, c *Call) {
	o.mu.Lock()
	o.init()
	o.issuedN++
	n := o.issuedN
	at := "at_" + randHex(c)
	o.tokens[at] = &issued{label: fmt.Sprintf("at#%d", n), expires: c.Now().Add(o.ExpiresIn)}
	body := map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": int(o.ExpiresIn / time.Second)}
	if o.RefreshToken != "" {
		rt := "rt_" + randHex(c)
		o.refresh[rt] = fmt.Sprintf("rt#%d", n)
		body["refresh_token"] = rt
	}
	if o.RevokeAfter > 0 && n >= o.RevokeAfter {
		o.revoked = true
	}
	o.mu.Unlock()
	c.Note("oauth", "issued", fmt.Sprintf("at#%d", n))
	c.Note("oauth", "expires_in", strconv.Itoa(int(o.ExpiresIn/time.Second)))
	oauthJSON(w, http.StatusOK, body)
}

func randHex(c *Call) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(c.Rand.Uint32())
	}
	return hex.EncodeToString(b[:])
}

func oauthJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type oauthFile struct {
	TokenPath    string          `yaml:"token_path"`
	ClientID     string          `yaml:"client_id"`
	ClientSecret string          `yaml:"client_secret"`
	RefreshToken string          `yaml:"refresh_token"`
	ExpiresIn    *yamlx.Duration `yaml:"expires_in"`
	Uses         int             `yaml:"uses"`
	RevokeAfter  int             `yaml:"revoke_after"`
}

func decodeOAuth(d *params) (Fault, error) {
	f := oauthFile{TokenPath: "/oauth/token", ClientID: "faultline", ClientSecret: "faultline-secret"}
	if err := d.Into(&f); err != nil {
		return nil, err
	}
	o := &OAuth{TokenPath: f.TokenPath, ClientID: f.ClientID, ClientSecret: f.ClientSecret, RefreshToken: f.RefreshToken,
		ExpiresIn: time.Hour, Uses: f.Uses, RevokeAfter: f.RevokeAfter}
	if f.ExpiresIn != nil {
		o.ExpiresIn = f.ExpiresIn.D()
	}
	switch {
	case len(o.TokenPath) == 0 || o.TokenPath[0] != '/':
		return nil, d.ErrorfKey("token_path", "%q must start with /", o.TokenPath)
	case o.ExpiresIn < time.Second || o.ExpiresIn%time.Second != 0:
		return nil, d.ErrorfKey("expires_in", "%s: give whole seconds, at least 1s (expires_in is sent in seconds)", o.ExpiresIn)
	case o.Uses < 0:
		return nil, d.ErrorfKey("uses", "must not be negative (0: no limit)")
	case o.RevokeAfter < 0:
		return nil, d.ErrorfKey("revoke_after", "must not be negative (0: never)")
	case o.RevokeAfter > 0 && o.RefreshToken == "":
		return nil, d.ErrorfKey("revoke_after", "revocation ends refresh tokens: give refresh_token too")
	}
	return o, nil
}
