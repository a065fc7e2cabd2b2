package cassettes

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSensitiveNames(t *testing.T) {
	sensitive := []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key",
		"api_key", "apiKey", "APIKey", "client_secret", "accessToken", "refresh_token", "password",
		"Stripe-Signature", "X-Hub-Signature-256", "X-CSRF-Token", "aws_secret_access_key", "credentials"}
	plain := []string{"Content-Type", "id", "amount", "monkey", "keyboard", "tokenizer", "Idempotency-Key",
		"User-Agent", "created_at", "secretary_name_x",
		"keys", "max_tokens", "token_type", "private_key_type"} // a JWKS's public keys; counts and kinds of credentials
	for _, n := range sensitive {
		assert.True(t, (*Redactor)(nil).Sensitive(n), n)
	}
	for _, n := range plain {
		assert.False(t, (*Redactor)(nil).Sensitive(n), n)
	}
}

// TestRedactText: Text applies secrets' one policy (its format vectors are
// tested in internal/secrets, once) and then the Redactor's own Values.
func TestRedactText(t *testing.T) {
	assert.Equal(t, "key [REDACTED] here", (*Redactor)(nil).Text("key sk_live_4eC39HqLyjWDarjtT1zdp7dc here"))
	assert.Equal(t, "the bearer of bad", (*Redactor)(nil).Text("the bearer of bad"))
	red, err := NewRedactor(Rules{Values: []string{`acct-\d+`}})
	require.NoError(t, err)
	assert.Equal(t, "[REDACTED] and [REDACTED] stay out", red.Text("AKIAIOSFODNN7EXAMPLE and acct-42 stay out"))
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

// Redaction is exact: a value goes where it is a secret, by name and type,
// or by format; counts, flags, structure and placeholders stay.
func TestRedactTypeAware(t *testing.T) {
	x := it("POST", "https://api.test/v1/chat?code=4%2F0Af&zipcode=12345",
		`{"max_tokens":4000,"model":"m","auth":{"client_token":"s.Icly5ijJ8n6c","policies":["root"],"lease_duration":3600,"renewable":true},`+
			`"password":"Passwords hide their chuck","cvc_secret":"999","token_type":"service","idempotency_key":"k1",`+
			`"pem":"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAkfLH\nLqP96V774qNC==\n-----END RSA PRIVATE KEY-----","card":"4242 4242 4242 4242",`+
			`"change_password":"function changePassword(email, pw, cb) {\n  cb(null)\n}","client_secret":"REDACTED"}`, 200, "{}")
	x.Response.Headers.Set("Access-Control-Allow-Credentials", "true")
	x.Response.Headers.Set("X-Vault-Token", "s.Icly5ijJ8n6c")
	out := (*Redactor)(nil).Interaction(x)
	var body map[string]any
	require.NoError(t, json.Unmarshal([]byte(out.Request.Body), &body))
	assert.Equal(t, 4000.0, body["max_tokens"])
	assert.Equal(t, map[string]any{"client_token": Placeholder, "policies": []any{"root"}, "lease_duration": 3600.0, "renewable": true}, body["auth"],
		"the auth object keeps its structure; its token goes")
	assert.Equal(t, Placeholder, body["password"], "a password with spaces")
	assert.Equal(t, Placeholder, body["cvc_secret"], "a JSON string of digits is a string")
	assert.Equal(t, "service", body["token_type"])
	assert.Equal(t, "k1", body["idempotency_key"])
	assert.Equal(t, Placeholder, body["pem"], "the whole key block")
	assert.Equal(t, Placeholder, body["card"], "a Luhn-valid card number")
	assert.Contains(t, body["change_password"], "function changePassword", "a script is not a password")
	assert.Equal(t, "REDACTED", body["client_secret"], "a placeholder stays as it was")
	assert.Equal(t, "https://api.test/v1/chat?code=%5BREDACTED%5D&zipcode=12345", out.Request.URL, "OAuth's code in a URL")
	assert.Equal(t, "true", out.Response.Headers.Get("Access-Control-Allow-Credentials"))
	assert.Equal(t, Placeholder, out.Response.Headers.Get("X-Vault-Token"))
}
