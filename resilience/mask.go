package resilience

import (
	"log/slog"
	"net/url"
	"strings"
)

// secretParts are substrings of query parameter names whose values are
// masked in logs and errors.
var secretParts = []string{"token", "key", "secret", "password", "passwd", "pwd", "sig", "auth", "credential", "session", "code"}

const mask = "***"

// maskURL returns u as a string with secret query values and any userinfo
// password replaced by ***.
func maskURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	if u.User == nil && !hasSecret(u.RawQuery) {
		return u.String()
	}
	m := *u
	if _, ok := u.User.Password(); ok {
		m.User = url.UserPassword(u.User.Username(), mask)
	}
	q := u.Query()
	for k, vs := range q {
		if isSecret(k) {
			for i := range vs {
				vs[i] = mask
			}
		}
	}
	m.RawQuery = q.Encode()
	return strings.ReplaceAll(m.String(), url.QueryEscape(mask), mask)
}

func hasSecret(rawQuery string) bool {
	for part := range strings.SplitSeq(rawQuery, "&") {
		name, _, _ := strings.Cut(part, "=")
		if n, err := url.QueryUnescape(name); err == nil && isSecret(n) || err != nil && isSecret(name) {
			return true
		}
	}
	return false
}

func isSecret(name string) bool {
	name = strings.ToLower(name)
	for _, s := range secretParts {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}

// safeURL logs a URL masked, computing the mask only if the record is kept.
type safeURL struct{ u *url.URL }

func (s safeURL) LogValue() slog.Value { return slog.StringValue(maskURL(s.u)) }
