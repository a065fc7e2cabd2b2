package secrets

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestName(t *testing.T) {
	for _, n := range []string{"Authorization", "Proxy-Authorization", "X-Api-Key", "api_key", "apiKey", "xapikey",
		"client_secret", "clientSecret", "password", "new_password", "pwd", "jwt", "passphrase", "Cookie", "Set-Cookie",
		"access_token", "X-Signature", "X-Vault-Token", "X-Sds-Auth-Token", "auth", "private_key", "root_pass",
		"Access-Control-Allow-Credentials"} {
		assert.True(t, Name(n), n)
	}
	for _, n := range []string{"Idempotency-Key", "idempotency_key", "page", "limit", "Content-Type", "keyboard", "monkey",
		"max_tokens", "total_tokens", "token_type", "private_key_type", "key_id", "secret_name", "zipcode", "code",
		"primary_key", "key", "public_key"} {
		assert.False(t, Name(n), n)
	}
}

func TestQueryName(t *testing.T) {
	for _, n := range []string{"api_key", "api%5Fkey", "api%5fkey", "code", "sig", "key", "X-Amz-Signature", "access_token"} {
		assert.True(t, QueryName(n), n)
	}
	for _, n := range []string{"zipcode", "idempotency_key", "page", "state", "code_challenge"} {
		assert.False(t, QueryName(n), n)
	}
}

func TestValueIsTypeAware(t *testing.T) {
	for _, v := range []string{"hunter2", "Passwords hide their chuck", "s.Icly5ijJ8n6c4JJ", "Basic dXNlcjpwdw=="} {
		assert.True(t, Value(v), v)
	}
	for _, v := range []string{"", "4000", "3.5", "true", "false", "null", "[REDACTED]", "REDACTED", "***",
		"replace_with_token_value", "<token>", "{{api_key}}", "test-client_secret", "xxxx",
		"function changePassword(email, newPassword, callback) {\n  callback(null, true);\n}"} {
		assert.False(t, Value(v), v)
	}
}

func TestIsPlaceholder(t *testing.T) {
	for _, v := range []string{"REDACTED", "redacted", "[REDACTED]", "***", "********", "<token>", "replace_with_token_value",
		"test-client_secret", "test_key", "YOUR_API_KEY_HERE", "your-token", "xxxxxxxx", "{{token}}"} {
		assert.True(t, IsPlaceholder(v), v)
	}
	for _, v := range []string{"hunter2", "sk_live_abcdefghijklmnop", "x", "testing123", "attest-123"} {
		assert.False(t, IsPlaceholder(v), v)
	}
}

const rsaKey = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAkfLHLqP96V774qNC\n/8LabrZkDseTA2lBrfGzQ==\n-----END RSA PRIVATE KEY-----"

func TestMaskWholePrivateKeyBlocks(t *testing.T) {
	cert := "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----"
	in := cert + "\n" + rsaKey + "\nafter"
	out := Mask(in, Placeholder)
	assert.Equal(t, cert+"\n"+Placeholder+"\nafter", out, "the block from BEGIN to END, the certificate kept")
	// Escaped newlines, as inside a JSON string in a YAML line.
	esc := strings.ReplaceAll(rsaKey, "\n", `\n`)
	assert.Equal(t, `{"k":"`+Placeholder+`"}`, Mask(`{"k":"`+esc+`"}`, Placeholder))
	// A truncated block is masked to the end.
	assert.Equal(t, "a "+Placeholder, Mask("a -----BEGIN PRIVATE KEY-----\nMIIEv", Placeholder))
	assert.Equal(t, "-----BEGIN PUBLIC KEY-----\nMIIB", Mask("-----BEGIN PUBLIC KEY-----\nMIIB", Placeholder))
}

func TestMaskCardNumbers(t *testing.T) {
	for _, pan := range []string{"4242424242424242", "4242 4242 4242 4242", "5555-5555-5555-4444", "378282246310005", "6011111111111117"} {
		assert.Equal(t, "card "+Placeholder+".", Mask("card "+pan+".", Placeholder), pan)
	}
	for _, s := range []string{"4242424242424241", "1775837139000", "id 9780306406157 isbn", "1234567890123456"} {
		assert.Equal(t, s, Mask(s, Placeholder), "not a Luhn-valid card number: %s", s)
	}
}

func TestMaskKnownFormats(t *testing.T) {
	in := "key sk_live_abcdefghijklmnop and AKIAABCDEFGHIJKLMNOP and plain text"
	out := Mask(in, Placeholder)
	assert.Equal(t, "key "+Placeholder+" and "+Placeholder+" and plain text", out)
	assert.Equal(t, "nothing secret", Mask("nothing secret", Placeholder))
	// Each format alone is masked whole; in a sentence, only the secret goes.
	for _, s := range []string{"AKIAIOSFODNN7EXAMPLE", "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "xoxb-123456789012-abcdefghij",
		"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_X", "-----BEGIN RSA PRIVATE KEY-----"} {
		assert.Equal(t, Placeholder, Mask(s, Placeholder), s)
	}
	assert.Equal(t, "key "+Placeholder+" here", Mask("key sk_live_4eC39HqLyjWDarjtT1zdp7dc here", Placeholder))
	assert.Equal(t, "Authorization was "+Placeholder, Mask("Authorization was Bearer abcdefgh12345", Placeholder))
	// Counterparts: ordinary text that looks like the start of a format stays.
	for _, s := range []string{"sk_ is a prefix", "the bearer of bad", "ghost AKIA short"} {
		assert.Equal(t, s, Mask(s, Placeholder), s)
	}
	ms := Find("Bearer abcdefghijk and " + rsaKey)
	require.Len(t, ms, 2)
	assert.Equal(t, []string{"bearer-token", "private-key"}, []string{ms[0].Rule, ms[1].Rule})
}

func TestMaskQuery(t *testing.T) {
	cases := map[string]string{
		"api_key=abc&page=2":                        "api_key=[REDACTED]&page=2",
		"api%5Fkey=abc&page=2":                      "api%5Fkey=[REDACTED]&page=2",
		"sv=2021&sig=abc%2Bdef&se=2026":             "sv=2021&sig=[REDACTED]&se=2026",
		"code=4%2F0Af&state=xyz":                    "code=[REDACTED]&state=xyz",
		"zipcode=12345&idempotency_key=k1":          "zipcode=12345&idempotency_key=k1",
		"next=https%3A%2F%2Fann%3Apw%40host%2Fx":    "next=https%3A%2F%2Fann%3A[REDACTED]%40host%2Fx",
		"q=sk_live_abcdefghijklmnop":                "q=[REDACTED]",
		"max_tokens=4000&token=":                    "max_tokens=4000&token=",
		"access_token=REDACTED&x=1":                 "access_token=REDACTED&x=1",
		"flag&pwd=hunter2":                          "flag&pwd=[REDACTED]",
		"card=4242424242424242&zip=94107":           "card=[REDACTED]&zip=94107",
		"redirect=https%3A%2F%2Fhost%2Fno-userinfo": "redirect=https%3A%2F%2Fhost%2Fno-userinfo",
	}
	for in, want := range cases {
		assert.Equal(t, want, MaskQuery(in, Placeholder), in)
	}
}

func TestMaskURLAndPath(t *testing.T) {
	assert.Equal(t, "/v1/items;api_key=[REDACTED];v=2/x", MaskPath("/v1/items;api_key=abc;v=2/x", Placeholder))
	u, err := url.Parse("https://ann:pw@api.test/v1/items;api_key=abc?token=t1&page=2")
	require.NoError(t, err)
	assert.Equal(t, "https://ann:[REDACTED]@api.test/v1/items;api_key=[REDACTED]?token=[REDACTED]&page=2", MaskURL(u, Placeholder))
	u, _ = url.Parse("https://api.test/plain?page=1")
	assert.Equal(t, "https://api.test/plain?page=1", MaskURL(u, Placeholder))
}

func TestMaskHeader(t *testing.T) {
	assert.Equal(t, "Bearer [REDACTED]", MaskHeader("Authorization", "Bearer abc.def", Placeholder))
	assert.Equal(t, "[REDACTED]", MaskHeader("X-Api-Key", "k_123", Placeholder))
	assert.Equal(t, "true", MaskHeader("Access-Control-Allow-Credentials", "true", Placeholder))
	assert.Equal(t, "app/1.0 ([REDACTED])", MaskHeader("User-Agent", "app/1.0 (sk_live_abcdefghijklmnop)", Placeholder))
	assert.Equal(t, "application/json", MaskHeader("Content-Type", "application/json", Placeholder))
}

func TestWords(t *testing.T) {
	assert.Equal(t, []string{"x", "api", "key"}, Words("X-Api-Key"))
	assert.Equal(t, []string{"api", "key"}, Words("apiKey"))
	assert.Equal(t, []string{"client", "secret"}, Words("client_secret"))
}
