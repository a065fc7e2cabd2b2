package cassettes

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const leakyYAML = `version: 2
interactions:
    - id: 0
      request:
        body: '{"name":"a","client_secret":"Zx8Qp2Lm9Vt4Rk7W","note":"plain words here"}'
        headers:
            Authorization:
                - Basic dXNlcjpwYXNz
            X-Api-Key:
                - aaaaaaaaaaaa
        url: https://api.test/v1/x?access_token=Qw3Er5Ty7Ui9Op1A&page=2
        method: POST
      response:
        body: |
            {"key": "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
             "aws": "AKIAIOSFODNN7EXAMPLE", "gh": "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
             "slack": "xoxb-123456789012-abcdefghij"}
        headers:
            Set-Cookie:
                - '[REDACTED]'
        code: 200
`

func TestScanFindsSecretsWithLines(t *testing.T) {
	path := tempPath(t, "leaky.yaml")
	writeFile(t, path, leakyYAML)
	found, err := Scan(path)
	require.NoError(t, err)
	var got []string
	for _, f := range found {
		got = append(got, fmt.Sprintf("%d %s", f.Line, f.Rule))
		assert.Equal(t, path, f.File)
		assert.NotContains(t, leakyYAML, f.Masked, "masked value is not the secret")
	}
	assert.Equal(t, []string{
		"5 secret-value",      // client_secret in the JSON body
		"8 credential-header", // Authorization, whatever the value
		"10 secret-value",     // X-Api-Key, however plain its value
		"11 secret-value",     // access_token query parameter
		"15 stripe-key",
		"16 aws-access-key",
		"16 github-token",
		"17 slack-token",
	}, got)
	assert.Equal(t, `header "Authorization"`, found[1].Where)
	assert.Equal(t, `query parameter "access_token"`, found[3].Where)
	assert.Equal(t, `field "client_secret"`, found[0].Where)
	assert.Contains(t, found[4].String(), fmt.Sprintf("%s:15: stripe-key", path))
	assert.NotContains(t, found[4].String(), "4eC39HqLyjWDarjtT1zdp7dc")
}

func TestScanCleanCassette(t *testing.T) {
	// Counterpart: the same interactions after redaction have no findings.
	path := tempPath(t, "leaky.yaml")
	writeFile(t, path, leakyYAML)
	c, err := Load(path)
	require.NoError(t, err)
	(*Redactor)(nil).Cassette(c)
	clean := tempPath(t, "clean.yaml")
	require.NoError(t, c.Save(clean))
	found, err := Scan(clean)
	require.NoError(t, err)
	assert.Empty(t, found)
}

// A file whose secrets cannot be judged is an error (exit 2), not "clean".
func TestScanBadFile(t *testing.T) {
	for name, content := range map[string]string{
		"syntax":        "version: 2\ninteractions: [\n",
		"empty":         "",
		"truncated":     validYAML[:strings.Index(validYAML, "      response:")],
		"wrong version": strings.Replace(validYAML, "version: 2", "version: 7", 1),
	} {
		path := tempPath(t, "bad.yaml")
		writeFile(t, path, content)
		_, err := Scan(path)
		assert.ErrorIs(t, err, ErrInvalidCassette, name)
		assert.True(t, strings.HasPrefix(err.Error(), path+":"), err.Error())
	}
}

// Placeholders are not secrets; the same names with real values are.
func TestScanIgnoresPlaceholders(t *testing.T) {
	const tmpl = `version: 2
interactions:
    - request:
        headers:
            Authorization: [%q]
            X-Vault-Token: [%q]
        body: '{"password":%q,"max_tokens":4000}'
        url: https://api.test/v1/x?client_secret=%s
        method: POST
      response:
        headers: {Access-Control-Allow-Credentials: ["true"]}
        code: 200
`
	for _, ph := range []string{"REDACTED", "***", "[REDACTED]", "replace_with_token_value", "<token>", "test-client_secret"} {
		path := tempPath(t, "ph.yaml")
		writeFile(t, path, fmt.Sprintf(tmpl, ph, ph, ph, url.QueryEscape(ph)))
		found, err := Scan(path)
		require.NoError(t, err)
		assert.Empty(t, found, ph)
	}
	path := tempPath(t, "real.yaml")
	writeFile(t, path, fmt.Sprintf(tmpl, "Basic dXNlcjpwdw==", "s.Icly5ijJ8n6c", "Passwords hide their chuck", "Zx8Qp2Lm9Vt4"))
	found, err := Scan(path)
	require.NoError(t, err)
	var where []string
	for _, f := range found {
		where = append(where, f.Where)
	}
	assert.ElementsMatch(t, []string{`header "Authorization"`, `header "X-Vault-Token"`, `field "password"`, `query parameter "client_secret"`}, where)
}

func TestMask(t *testing.T) {
	assert.Equal(t, "****", mask("abcd"))
	assert.Equal(t, "sk_l…(32 chars)", mask("sk_live_4eC39HqLyjWDarjtT1zdp7dc"))
	assert.Equal(t, "éééx…(9 chars)", mask("éééxxx"))
}

func TestScanFormField(t *testing.T) {
	path := tempPath(t, "form.yaml")
	writeFile(t, path, "version: 2\ninteractions:\n    - request:\n        form:\n            password:\n                - Zx8Qp2Lm9Vt4Rk7W\n            user:\n                - Zx8Qp2Lm9Vt4Rk7W\n        url: https://api.test/login\n        method: POST\n      response: {code: 204}\n")
	found, err := Scan(path)
	require.NoError(t, err)
	require.Len(t, found, 1, "only the sensitive name counts")
	assert.Equal(t, Finding{File: path, Line: 6, Rule: "secret-value", Where: `form field "password"`, Masked: "Zx8Q…(16 chars)"}, found[0])
}
