package scenarios

import (
	"net/http"

	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/resilience"
)

// The environment an external client receives when the scenario's
// upstream requires OAuth bearer tokens: where to get them and with which
// client credentials (and, for the refresh-token flow, the refresh token a
// user granted before the run).
const (
	EnvTokenURL     = "FAULTLINE_TOKEN_URL"
	EnvClientID     = "FAULTLINE_CLIENT_ID"
	EnvClientSecret = "FAULTLINE_CLIENT_SECRET"
	EnvRefreshToken = "FAULTLINE_REFRESH_TOKEN"
)

// oauthOf returns the plan's OAuth authorisation server, if it has one.
func oauthOf(p *fault.Plan) *fault.OAuth {
	for _, rt := range p.Routes {
		for _, rule := range rt.Rules {
			if o, ok := rule.Fault.(*fault.OAuth); ok {
				return o
			}
		}
	}
	return nil
}

// authEnv is the credentials part of an external client's environment.
func authEnv(p *fault.Plan, baseURL string) []string {
	o := oauthOf(p)
	if o == nil {
		return nil
	}
	env := []string{EnvTokenURL + "=" + baseURL + o.TokenPath, EnvClientID + "=" + o.ClientID, EnvClientSecret + "=" + o.ClientSecret}
	if o.RefreshToken != "" {
		env = append(env, EnvRefreshToken+"="+o.RefreshToken)
	}
	return env
}

// session is how the reference client makes a scenario's calls: through a
// resilience.Session, with bearer tokens when the upstream requires them.
func session(client *resilience.Client, p *fault.Plan, baseURL string) *resilience.Session {
	s := &resilience.Session{Client: client}
	if o := oauthOf(p); o != nil {
		s.Tokens = resilience.NewTokenSource(resilience.OAuthConfig{TokenURL: baseURL + o.TokenPath, ClientID: o.ClientID,
			ClientSecret: o.ClientSecret, RefreshToken: o.RefreshToken}, &http.Client{Transport: client.RoundTripper()}, nil)
	}
	return s
}
