package cassettes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/faultline-dev/faultline/internal/secrets"
)

// Placeholder replaces every redacted value: faultline's one placeholder
// (secrets.Placeholder), the same in the journal and logs. Matching ignores
// fields whose recorded value is the placeholder, so a redacted cassette
// still replays.
const Placeholder = secrets.Placeholder

// Rules extends the default redaction. Names are compared case-insensitively
// to header names, query parameter names and JSON field names (at any depth).
// Values are regular expressions; every match in a header value, URL or body
// is replaced by Placeholder. Allow lists names that are never redacted by name.
type Rules struct {
	Names  []string `yaml:"names"`
	Values []string `yaml:"values"`
	Allow  []string `yaml:"allow"`
}

// Redactor removes secrets from interactions before they are kept or written.
// The defaults are faultline's one secret policy (package internal/secrets):
// a value is replaced where it is a secret, by name and type (a string under
// Authorization, Cookie, X-Api-Key, client_secret, password...; not
// `max_tokens: 4000`, not `Access-Control-Allow-Credentials: true`, not the
// structure of an object under `auth`, not a placeholder already there) or
// by format anywhere (Stripe, AWS, GitHub, Slack keys, JWTs, bearer tokens,
// whole PEM private key blocks, Luhn-valid card numbers), plus the password
// of any URL. A nil *Redactor means the defaults. It is safe for concurrent
// use.
type Redactor struct {
	names    map[string]bool
	allow    map[string]bool
	patterns []*regexp.Regexp

	cache     sync.Map // lower-case name -> bool
	cacheSize atomic.Int64
}

var defaultRedactor = &Redactor{names: map[string]bool{}, allow: map[string]bool{"idempotency-key": true}}

// NewRedactor returns the default redaction plus extra rules. It fails when a
// value pattern is not a valid regular expression.
func NewRedactor(extra Rules) (*Redactor, error) {
	r := &Redactor{names: map[string]bool{}, allow: map[string]bool{}}
	for n := range defaultRedactor.allow {
		r.allow[n] = true
	}
	for _, n := range extra.Names {
		r.names[strings.ToLower(n)] = true
	}
	for _, n := range extra.Allow {
		r.allow[strings.ToLower(n)] = true
	}
	for i, v := range extra.Values {
		re, err := regexp.Compile(v)
		if err != nil {
			return nil, fmt.Errorf("redaction rules: values[%d] %q is not a valid regular expression: %w", i, v, err)
		}
		r.patterns = append(r.patterns, re)
	}
	return r, nil
}

func orDefault(r *Redactor) *Redactor {
	if r == nil {
		return defaultRedactor
	}
	return r
}

// Sensitive reports whether a header, query parameter or JSON field with this
// name is redacted.
func (r *Redactor) Sensitive(name string) bool {
	r = orDefault(r)
	if v, ok := r.cache.Load(name); ok {
		return v.(bool)
	}
	s := r.sensitive(name)
	if r.cacheSize.Load() < 4096 {
		if _, loaded := r.cache.LoadOrStore(name, s); !loaded {
			r.cacheSize.Add(1)
		}
	}
	return s
}

func (r *Redactor) sensitive(name string) bool {
	lower := strings.ToLower(name)
	if r.allow[lower] {
		return false
	}
	if r.names[lower] {
		return true
	}
	return secrets.Name(name)
}

// Text replaces every known secret format and every extra value pattern in s.
func (r *Redactor) Text(s string) string {
	r = orDefault(r)
	s = secrets.Mask(s, Placeholder)
	for _, re := range r.patterns {
		s = re.ReplaceAllString(s, Placeholder)
	}
	return s
}

// Interaction returns a redacted copy of it; it is not modified.
func (r *Redactor) Interaction(it *Interaction) *Interaction {
	r = orDefault(r)
	out := *it
	rq, rs := &out.Request, &out.Response
	rq.Headers = r.header(rq.Headers)
	rq.Trailer = r.header(rq.Trailer)
	rq.URL = r.url(rq.URL)
	rq.RequestURI = r.url(rq.RequestURI)
	rq.Form = r.values(rq.Form)
	if b := r.body(rq.Body, rq.Headers.Get("Content-Type")); b != rq.Body {
		rq.Body = b
		rq.ContentLength = fixLength(rq.Headers, b)
	}
	rs.Headers = r.header(rs.Headers)
	rs.Trailer = r.header(rs.Trailer)
	if b := r.body(rs.Body, rs.Headers.Get("Content-Type")); b != rs.Body {
		rs.Body = b
		rs.ContentLength = fixLength(rs.Headers, b)
	}
	return &out
}

// fixLength keeps a recorded Content-Length true to a redacted body.
func fixLength(h http.Header, body string) int64 {
	if h.Get("Content-Length") != "" {
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	return int64(len(body))
}

// Cassette redacts every interaction of c in place.
func (r *Redactor) Cassette(c *Cassette) {
	for i, it := range c.Interactions {
		c.Interactions[i] = r.Interaction(it)
	}
}

func (r *Redactor) header(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		nv := make([]string, len(vs))
		for i, v := range vs {
			nv[i] = r.value(k, v, r.Sensitive)
		}
		out[k] = nv
	}
	return out
}

// value redacts one value found under name: all of it when the name is
// sensitive and the value has the type of a secret, else what has a
// secret's format.
func (r *Redactor) value(name, v string, sensitive func(string) bool) string {
	if r.custom(name) && v != "" && !secrets.IsPlaceholder(v) || sensitive(name) && secrets.Value(v) {
		return Placeholder
	}
	return r.Text(v)
}

// custom reports a name the Rules added: all its values are secret.
func (r *Redactor) custom(name string) bool { return r.names[strings.ToLower(name)] }

// sensitiveQuery is Sensitive for query and form parameters, where OAuth's
// code and Azure's sig are credentials too and names may be escaped.
func (r *Redactor) sensitiveQuery(name string) bool {
	lower := strings.ToLower(name)
	if n, err := url.QueryUnescape(lower); err == nil {
		lower = n
	}
	if r.allow[lower] {
		return false
	}
	return r.names[lower] || secrets.QueryName(lower)
}

func (r *Redactor) values(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for k, vs := range v {
		nv := make([]string, len(vs))
		for i, s := range vs {
			nv[i] = r.value(k, s, r.sensitiveQuery)
		}
		out[k] = nv
	}
	return out
}

// query redacts a raw query string, keeping its order and encoding where
// nothing is sensitive.
func (r *Redactor) query(raw string) string {
	if raw == "" {
		return raw
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		name, val, hasVal := strings.Cut(p, "=")
		if !hasVal {
			continue
		}
		key, err := url.QueryUnescape(name)
		if err != nil {
			key = name
		}
		v, err := url.QueryUnescape(val)
		if err != nil {
			v = val
		}
		if nv := r.value(key, v, r.sensitiveQuery); nv != v {
			parts[i] = name + "=" + url.QueryEscape(nv)
		} else if nv := secrets.MaskQuery(p, Placeholder); nv != p {
			parts[i] = nv // a URL with a password inside the value
		}
	}
	return strings.Join(parts, "&")
}

func (r *Redactor) url(s string) string {
	if s == "" {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		return r.Text(s)
	}
	changed := false
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), Placeholder)
		changed = true
	}
	if q := r.query(u.RawQuery); q != u.RawQuery {
		u.RawQuery = q
		changed = true
	}
	if p := secrets.MaskPath(r.Text(u.Path), Placeholder); p != u.Path {
		u.Path, u.RawPath = p, ""
		changed = true
	}
	if !changed {
		return s
	}
	return u.String()
}

func (r *Redactor) body(s, contentType string) string {
	if s == "" {
		return s
	}
	if v, ok := parseJSON([]byte(s)); ok {
		nv, changed := r.jsonValue(v)
		if !changed {
			return s
		}
		return encodeJSON(nv, strings.HasSuffix(s, "\n"))
	}
	if isForm(contentType) {
		return r.query(s)
	}
	return r.Text(s)
}

// jsonValue redacts a decoded JSON value. Under a sensitive name only
// strings of a secret's type are replaced: numbers, booleans and null stay,
// and objects and arrays keep their structure, their members redacted.
func (r *Redactor) jsonValue(v any) (any, bool) {
	switch x := v.(type) {
	case map[string]any:
		changed := false
		for k, val := range x {
			if s, ok := val.(string); ok && r.Sensitive(k) && secrets.String(s) {
				x[k] = Placeholder
				changed = true
				continue
			}
			if nv, c := r.jsonValue(val); c {
				x[k] = nv
				changed = true
			}
		}
		return x, changed
	case []any:
		changed := false
		for i, val := range x {
			if nv, c := r.jsonValue(val); c {
				x[i] = nv
				changed = true
			}
		}
		return x, changed
	case string:
		ns := r.Text(x)
		return ns, ns != x
	}
	return v, false
}

// parseJSON decodes a JSON object or array body, keeping numbers exact.
func parseJSON(b []byte) (any, bool) {
	t := bytes.TrimSpace(b)
	if len(t) == 0 || (t[0] != '{' && t[0] != '[') {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(t))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return nil, false
	}
	return v, true
}

func encodeJSON(v any, newline bool) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // values came from the JSON decoder: always encodable
	out := buf.String()
	if !newline {
		out = strings.TrimSuffix(out, "\n")
	}
	return out
}

func isForm(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
