package resilience

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMaskURL(t *testing.T) {
	cases := map[string]string{
		"https://h/p?token=abc&x=1":                   "https://h/p?token=[REDACTED]&x=1",
		"https://user:pw@h/p":                         "https://user:[REDACTED]@h/p",
		"https://h/p?Signature=zz&X-Amz-Credential=c": "https://h/p?Signature=[REDACTED]&X-Amz-Credential=[REDACTED]",
		"https://h/p?page=1":                          "https://h/p?page=1",
		"https://h/p?client_secret=a%20b":             "https://h/p?client_secret=[REDACTED]",
		// Not every name containing key or code is a secret.
		"https://h/p?idempotency_key=k1&zipcode=94107": "https://h/p?idempotency_key=k1&zipcode=94107",
		"https://h/p;api_key=k?sig=s&code=c":           "https://h/p;api_key=[REDACTED]?sig=[REDACTED]&code=[REDACTED]",
	}
	for raw, want := range cases {
		u, err := url.Parse(raw)
		require.NoError(t, err)
		assert.Equal(t, want, maskURL(u), raw)
	}
}
