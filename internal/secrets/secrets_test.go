package secrets

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestName(t *testing.T) {
	for _, n := range []string{"Authorization", "X-Api-Key", "api_key", "apiKey", "client_secret", "password", "pwd", "jwt", "passphrase", "Cookie", "access_token", "X-Signature"} {
		assert.True(t, Name(n), n)
	}
	for _, n := range []string{"Idempotency-Key", "page", "limit", "Content-Type", "keyboard", "monkey"} {
		assert.False(t, Name(n), n)
	}
}

func TestMask(t *testing.T) {
	in := "key sk_live_abcdefghijklmnop and AKIAABCDEFGHIJKLMNOP and plain text"
	out := Mask(in, "***")
	assert.NotContains(t, out, "sk_live_abc")
	assert.NotContains(t, out, "AKIAABCD")
	assert.Contains(t, out, "plain text")
	assert.Equal(t, "nothing secret", Mask("nothing secret", "***"))
}

func TestWords(t *testing.T) {
	assert.Equal(t, []string{"x", "api", "key"}, Words("X-Api-Key"))
	assert.Equal(t, []string{"api", "key"}, Words("apiKey"))
	assert.Equal(t, []string{"client", "secret"}, Words("client_secret"))
}
