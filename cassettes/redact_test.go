package cassettes

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSensitiveNames(t *testing.T) {
	sensitive := []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key",
		"api_key", "apiKey", "APIKey", "client_secret", "accessToken", "refresh_token", "password",
		"Stripe-Signature", "X-Hub-Signature-256", "X-CSRF-Token", "aws_secret_access_key", "keys", "credentials"}
	plain := []string{"Content-Type", "id", "amount", "monkey", "keyboard", "tokenizer", "Idempotency-Key",
		"User-Agent", "created_at", "secretary_name_x"}
	for _, n := range sensitive {
		assert.True(t, (*Redactor)(nil).Sensitive(n), n)
	}
	for _, n := range plain {
		assert.False(t, (*Redactor)(nil).Sensitive(n), n)
	}
}

func TestRedactText(t *testing.T) {
	cases := map[string]string{
		"key sk_live_4eC39HqLyjWDarjtT1zdp7dc here":                                 "key [REDACTED] here",
		"AKIAIOSFODNN7EXAMPLE":                                                      "[REDACTED]",
		"ghp_abcdefghijklmnopqrstuvwxyz0123456789":                                  "[REDACTED]",
		"xoxb-123456789012-abcdefghij":                                              "[REDACTED]",
		"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_X": "[REDACTED]",
		"Authorization was Bearer abcdefgh12345":                                    "Authorization was [REDACTED]",
		"-----BEGIN RSA PRIVATE KEY-----":                                           "[REDACTED]",
		// Counterparts: ordinary text stays.
		"sk_ is a prefix":   "sk_ is a prefix",
		"the bearer of bad": "the bearer of bad",
		"ghost AKIA short":  "ghost AKIA short",
	}
	for in, want := range cases {
		assert.Equal(t, want, (*Redactor)(nil).Text(in), in)
	}
}

func TestRedactInteraction(t *testing.T) {
	red, err := NewRedactor(Rules{Names: []string{"ssn"}, Values: []string{`acct-\d+`}, Allow: []string{"X-Trace-Token"}})
	require.NoError(t, err)
	in := &Interaction{
		Request: Request{Method: "POST",
			URL:     "https://user:pw@api.test/v1/x?token=abc&q=acct-42&page=2",
			Headers: http.Header{"Authorization": {"Basic dXNlcjpwYXNz"}, "X-Trace-Token": {"t-1"}, "Content-Type": {"application/json"}},
			Body:    `{"user":{"ssn":"123-45-6789","name":"Ann","note":"acct-99"},"list":[{"secret":"s"}],"token":null}`},
		Response: Response{Code: 200,
			Headers: http.Header{"Set-Cookie": {"sid=abc"}, "Content-Type": {"application/x-www-form-urlencoded"}},
			Body:    "access_token=zzz&scope=read"},
	}
	before := *in
	beforeHeaders := in.Request.Headers.Clone()
	out := red.Interaction(in)

	u, err := url.Parse(out.Request.URL)
	require.NoError(t, err)
	q := u.Query()
	pw, _ := u.User.Password()
	assert.Equal(t, Placeholder, pw)
	assert.Equal(t, Placeholder, q.Get("token"))
	assert.Equal(t, Placeholder, q.Get("q"))
	assert.Equal(t, "2", q.Get("page"))
	assert.Equal(t, Placeholder, out.Request.Headers.Get("Authorization"))
	assert.Equal(t, "t-1", out.Request.Headers.Get("X-Trace-Token"), "allowed by rule")
	assert.JSONEq(t, `{"user":{"ssn":"[REDACTED]","name":"Ann","note":"[REDACTED]"},"list":[{"secret":"[REDACTED]"}],"token":null}`, out.Request.Body)
	assert.Equal(t, Placeholder, out.Response.Headers.Get("Set-Cookie"))
	assert.Equal(t, "access_token=%5BREDACTED%5D&scope=read", out.Response.Body)
	assert.EqualValues(t, len(out.Request.Body), out.Request.ContentLength)

	// The input is untouched.
	assert.Equal(t, before.Request.Body, in.Request.Body)
	assert.Equal(t, beforeHeaders, in.Request.Headers)
}

func TestRedactLeavesCleanBodiesByteForByte(t *testing.T) {
	body := "{ \"b\": 1,\n  \"a\": [1.50, \"x\"] }\n"
	out := (*Redactor)(nil).Interaction(it("POST", "https://api.test/", body, 200, body))
	assert.Equal(t, body, out.Request.Body)
	assert.Equal(t, body, out.Response.Body)
}

func TestNewRedactorRejectsBadPattern(t *testing.T) {
	_, err := NewRedactor(Rules{Values: []string{"ok", "("}})
	assert.ErrorContains(t, err, "values[1]")
}
