package contract

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
)

// Auth is the token endpoint a scenario gives an external client
// (FAULTLINE_TOKEN_URL, FAULTLINE_CLIENT_ID, FAULTLINE_CLIENT_SECRET and,
// for the refresh-token flow, FAULTLINE_REFRESH_TOKEN).
type Auth struct {
	TokenURL, ClientID, ClientSecret string

	mu      sync.Mutex
	refresh string // the latest refresh token (they rotate)
}

// AuthFromEnv returns the scenario's token endpoint, or nil when the
// upstream needs no credentials.
func AuthFromEnv() *Auth {
	u := os.Getenv("FAULTLINE_TOKEN_URL")
	if u == "" {
		return nil
	}
	return &Auth{TokenURL: u, ClientID: os.Getenv("FAULTLINE_CLIENT_ID"), ClientSecret: os.Getenv("FAULTLINE_CLIENT_SECRET"),
		refresh: os.Getenv("FAULTLINE_REFRESH_TOKEN")}
}

// Fetch makes one token request: the refresh_token grant when a refresh
// token is held, else client_credentials. It returns the access token.
func (a *Auth) Fetch(hc *http.Client) (string, error) {
	a.mu.Lock()
	form := url.Values{"grant_type": {"client_credentials"}}
	if a.refresh != "" {
		form = url.Values{"grant_type": {"refresh_token"}, "refresh_token": {a.refresh}}
	}
	a.mu.Unlock()
	req, err := http.NewRequest(http.MethodPost, a.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(a.ClientID, a.ClientSecret)
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		Error        string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("token request: %s %s", resp.Status, body.Error)
	}
	if body.RefreshToken != "" {
		a.mu.Lock()
		a.refresh = body.RefreshToken
		a.mu.Unlock()
	}
	return body.AccessToken, nil
}

// WithBearer returns c with an Authorization header carrying tok.
func WithBearer(c Call, tok string) Call {
	h := map[string]string{"Authorization": "Bearer " + tok}
	for k, v := range c.Headers {
		h[k] = v
	}
	c.Headers = h
	return c
}
