package secrets

import (
	"net/url"
	"strings"
)

func unescape(s string) (string, error) { return url.QueryUnescape(s) }

// MaskQuery masks a raw query string in place, keeping its order and
// encoding: the value of every parameter whose name is a credential
// (QueryName, names percent-encoded or not), known formats in any value,
// and the password of a URL inside a value (?next=https://user:pw@host/).
func MaskQuery(raw, placeholder string) string {
	if raw == "" {
		return raw
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		parts[i] = maskParam(p, placeholder, QueryName)
	}
	return strings.Join(parts, "&")
}

// maskParam masks one name=value pair, as found in queries and in path
// parameters (;api_key=...).
func maskParam(p, placeholder string, sensitive func(string) bool) string {
	name, val, ok := strings.Cut(p, "=")
	if !ok {
		return p
	}
	v, err := url.QueryUnescape(val)
	if err != nil {
		v = val
	}
	if sensitive(name) && Value(v) {
		return name + "=" + escapeKeep(placeholder)
	}
	if nv := maskUserinfo(Mask(v, placeholder), placeholder); nv != v {
		return name + "=" + escapeKeep(nv)
	}
	return p
}

// escapeKeep escapes a value for a query, leaving the placeholder's
// brackets readable.
func escapeKeep(v string) string {
	e := url.QueryEscape(v)
	return strings.ReplaceAll(strings.ReplaceAll(e, "%5B", "["), "%5D", "]")
}

// maskUserinfo masks the password of a URL in s ("https://user:pw@host").
func maskUserinfo(s, placeholder string) string {
	i := strings.Index(s, "://")
	if i < 0 {
		return s
	}
	start := i + 3
	auth := s[start:]
	if j := strings.IndexAny(auth, "/?#"); j >= 0 {
		auth = auth[:j]
	}
	at := strings.LastIndex(auth, "@")
	if at < 0 {
		return s
	}
	user, pw, ok := strings.Cut(auth[:at], ":")
	if !ok || pw == "" || IsPlaceholder(pw) {
		return s
	}
	return s[:start] + user + ":" + placeholder + s[start+at:]
}

// MaskPath masks known formats in a URL path and the values of path
// parameters whose names are credentials (/v1/items;api_key=...).
func MaskPath(path, placeholder string) string {
	path = Mask(path, placeholder)
	if !strings.Contains(path, ";") {
		return path
	}
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		params := strings.Split(seg, ";")
		for j := 1; j < len(params); j++ {
			params[j] = maskParam(params[j], placeholder, QueryName)
		}
		segs[i] = strings.Join(params, ";")
	}
	return strings.Join(segs, "/")
}

// MaskURL masks a URL for a log line or an error: the password of its
// userinfo, its path parameters and its query as MaskQuery does.
func MaskURL(u *url.URL, placeholder string) string {
	if u == nil {
		return ""
	}
	m := *u
	m.User = nil
	if p := MaskPath(u.EscapedPath(), placeholder); p != u.EscapedPath() {
		if up, err := url.PathUnescape(p); err == nil {
			m.Path, m.RawPath = up, p
		}
	}
	m.RawQuery = MaskQuery(u.RawQuery, placeholder)
	s := m.String()
	if u.User == nil {
		return s
	}
	// Userinfo goes back in by hand: url.URL would escape the placeholder.
	user := url.User(u.User.Username()).String()
	if _, ok := u.User.Password(); ok {
		user += ":" + placeholder
	}
	if i := strings.Index(s, "://"); i >= 0 {
		return s[:i+3] + user + "@" + s[i+3:]
	}
	return s
}

// MaskHeader masks one header value for a log or the journal: the
// credential of an Authorization header (its scheme stays visible), any
// credential-typed value of a sensitive name, and known formats anywhere
// (an sk_live_ key inside User-Agent).
func MaskHeader(name, v, placeholder string) string {
	if strings.EqualFold(name, "authorization") || strings.EqualFold(name, "proxy-authorization") {
		if scheme, cred, ok := strings.Cut(v, " "); ok && !IsPlaceholder(cred) {
			return scheme + " " + placeholder
		}
	}
	if Name(name) && Value(v) {
		return placeholder
	}
	return Mask(v, placeholder)
}
