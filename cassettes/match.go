package cassettes

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// MatchOptions says which parts of a request do not decide which recording
// answers it. A request matches a recording on method, path, query (sorted)
// and a fingerprint of the body (JSON canonicalized), minus what is ignored
// here, minus redacted values.
type MatchOptions struct {
	// IgnoreQuery names query parameters left out of matching, e.g. "timestamp".
	IgnoreQuery []string `yaml:"ignore_query"`
	// IgnoreFields names JSON body fields left out of matching. A bare name
	// ("nonce") is ignored at any depth; a dotted path ("meta.sent_at") only
	// there. Array indexes are not part of paths.
	IgnoreFields []string `yaml:"ignore_fields"`
}

// matcher turns requests into index keys and explains differences.
type matcher struct {
	red         *Redactor
	ignoreQuery map[string]bool
	ignoreName  map[string]bool
	ignorePath  map[string]bool
}

func newMatcher(o MatchOptions, red *Redactor) *matcher {
	m := &matcher{red: orDefault(red), ignoreQuery: set(o.IgnoreQuery),
		ignoreName: map[string]bool{}, ignorePath: map[string]bool{}}
	for _, f := range o.IgnoreFields {
		if strings.Contains(f, ".") {
			m.ignorePath[f] = true
		} else {
			m.ignoreName[f] = true
		}
	}
	return m
}

func set(names []string) map[string]bool {
	s := make(map[string]bool, len(names))
	for _, n := range names {
		s[n] = true
	}
	return s
}

// profile is the set of fields a recording holds redacted values in (by
// name rules the matcher may not know, or by value patterns): their request
// values are ignored too. This is how redaction and matching agree without
// running the value patterns on every request.
type profile struct {
	id     string
	query  map[string]bool
	fields map[string]bool
}

var emptyProfile = &profile{}

// parsed is a request decoded once for matching.
type parsed struct {
	method string
	path   string
	query  url.Values
	json   any
	isJSON bool
	form   url.Values
	isForm bool
	raw    string
}

func (m *matcher) parse(method string, u *url.URL, prefix, contentType string, body []byte) *parsed {
	p := &parsed{method: method, path: stripBase(u.Path, prefix), query: u.Query()}
	if v, ok := parseJSON(body); ok {
		p.json, p.isJSON = v, true
	} else if isForm(contentType) {
		p.form, _ = url.ParseQuery(string(body))
		p.isForm = true
	} else if len(body) > 0 {
		p.raw = m.red.Text(string(body))
	}
	return p
}

func (p *parsed) route() string { return p.method + " " + p.path }

// stripBase removes the upstream's base path ("/api/v2") from a recorded
// path, on a segment boundary only, and returns a path starting with "/".
func stripBase(path, base string) string {
	if base != "" && (path == base || strings.HasPrefix(path, base+"/")) {
		path = path[len(base):]
	}
	if path == "" || path[0] != '/' {
		path = "/" + path
	}
	return path
}

// dropQuery reports whether a query (or form) parameter is left out.
func (m *matcher) dropQuery(name string, vals []string, prof *profile) bool {
	if m.ignoreQuery[name] || prof.query[name] || m.red.Sensitive(name) {
		return true
	}
	for _, v := range vals {
		if v != Placeholder {
			return false
		}
	}
	return true
}

// dropField reports whether a JSON field at path is left out.
func (m *matcher) dropField(name, path string, val any, prof *profile) bool {
	return val == Placeholder || m.ignoreName[name] || m.ignorePath[path] ||
		prof.fields[path] || m.red.Sensitive(name)
}

// digest is the index key of p under prof.
func (m *matcher) digest(p *parsed, prof *profile) [32]byte {
	h := sha256.New()
	writeString(h, p.route())
	m.writeValues(h, p.query, prof)
	switch {
	case p.isJSON:
		writeString(h, "json")
		m.writeJSON(h, p.json, "", prof)
	case p.isForm:
		writeString(h, "form")
		m.writeValues(h, p.form, prof)
	default:
		writeString(h, "raw")
		writeString(h, p.raw)
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

func writeString(h hash.Hash, s string) {
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
	h.Write(n[:])
	h.Write([]byte(s))
}

func (m *matcher) writeValues(h hash.Hash, v url.Values, prof *profile) {
	for _, k := range sortedKeys(v) {
		if m.dropQuery(k, v[k], prof) {
			continue
		}
		writeString(h, k)
		for _, s := range v[k] {
			writeString(h, s)
		}
	}
	writeString(h, "")
}

// writeJSON writes a canonical form of v: object keys sorted, dropped fields
// left out, each value tagged with its type.
func (m *matcher) writeJSON(h hash.Hash, v any, path string, prof *profile) {
	switch x := v.(type) {
	case map[string]any:
		writeString(h, "{")
		for _, k := range sortedKeys(x) {
			sub := joinPath(path, k)
			if m.dropField(k, sub, x[k], prof) {
				continue
			}
			writeString(h, k)
			m.writeJSON(h, x[k], sub, prof)
		}
		writeString(h, "}")
	case []any:
		writeString(h, "[")
		for _, e := range x {
			m.writeJSON(h, e, path, prof)
		}
		writeString(h, "]")
	case string:
		writeString(h, "s")
		writeString(h, x)
	case json.Number:
		writeString(h, "n")
		writeString(h, string(x))
	case bool:
		writeString(h, strconv.FormatBool(x))
	default:
		writeString(h, "null")
	}
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// profileOf finds fields a recorded request holds as placeholders that the
// matcher would not drop by itself.
func (m *matcher) profileOf(p *parsed) *profile {
	prof := &profile{query: map[string]bool{}, fields: map[string]bool{}}
	for k, vs := range p.query {
		if !m.dropQuery(k, vs, emptyProfile) && anyPlaceholder(vs) {
			prof.query[k] = true
		}
	}
	for k, vs := range p.form {
		if !m.dropQuery(k, vs, emptyProfile) && anyPlaceholder(vs) {
			prof.query[k] = true
		}
	}
	m.placeholderPaths(p.json, "", prof.fields)
	if len(prof.query) == 0 && len(prof.fields) == 0 {
		return emptyProfile
	}
	prof.id = strings.Join(sortedKeys(prof.query), "&") + "|" + strings.Join(sortedKeys(prof.fields), ",")
	return prof
}

func anyPlaceholder(vs []string) bool {
	for _, v := range vs {
		if strings.Contains(v, Placeholder) {
			return true
		}
	}
	return false
}

func allPlaceholder(vs []string) bool {
	for _, v := range vs {
		if v != Placeholder {
			return false
		}
	}
	return len(vs) > 0
}

func (m *matcher) placeholderPaths(v any, path string, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			sub := joinPath(path, k)
			if s, ok := val.(string); ok && strings.Contains(s, Placeholder) {
				out[sub] = true
				continue
			}
			m.placeholderPaths(val, sub, out)
		}
	case []any:
		for _, e := range x {
			m.placeholderPaths(e, path, out)
		}
	}
}

// flatten lists the values that take part in matching, for explaining a
// mismatch: "query id", "body amount".
func (m *matcher) flatten(p *parsed) map[string]string {
	out := map[string]string{}
	for k, vs := range p.query {
		if !m.dropQuery(k, vs, emptyProfile) {
			out["query "+k] = strings.Join(vs, ",")
		}
	}
	for k, vs := range p.form {
		if !m.dropQuery(k, vs, emptyProfile) {
			out["form "+k] = strings.Join(vs, ",")
		}
	}
	switch {
	case p.isJSON:
		m.flattenJSON(p.json, "", out)
	case p.raw != "":
		out["body"] = p.raw
	}
	return out
}

func (m *matcher) flattenJSON(v any, path string, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			sub := joinPath(path, k)
			if !m.dropField(k, sub, val, emptyProfile) {
				m.flattenJSON(val, sub, out)
			}
		}
	case []any:
		for i, e := range x {
			m.flattenJSON(e, fmt.Sprintf("%s[%d]", path, i), out)
		}
	default:
		b, _ := json.Marshal(x)
		if x == nil {
			b = []byte("null")
		}
		out["body "+displayPath(path)] = m.red.Text(string(b))
	}
}

func displayPath(p string) string {
	if p == "" {
		return "$"
	}
	return p
}

// differences explains how request got differs from recorded want.
func (m *matcher) differences(got, want *parsed) []string {
	var diffs []string
	if got.method != want.method {
		diffs = append(diffs, fmt.Sprintf("method: request %s, recorded %s", got.method, want.method))
	}
	if got.path != want.path {
		diffs = append(diffs, fmt.Sprintf("path: request %s, recorded %s", got.path, want.path))
	}
	if got.isJSON != want.isJSON {
		diffs = append(diffs, fmt.Sprintf("body: request %s, recorded %s", bodyKind(got), bodyKind(want)))
	}
	g, w := m.flatten(got), m.flatten(want)
	keys := map[string]bool{}
	for k := range g {
		keys[k] = true
	}
	for k := range w {
		keys[k] = true
	}
	for _, k := range sortedKeys(keys) {
		gv, gok := g[k]
		wv, wok := w[k]
		switch {
		case gok && !wok:
			diffs = append(diffs, fmt.Sprintf("%s: only in request (%s)", k, short(gv)))
		case !gok && wok:
			diffs = append(diffs, fmt.Sprintf("%s: only in recording (%s)", k, short(wv)))
		case gv != wv:
			diffs = append(diffs, fmt.Sprintf("%s: request %s, recorded %s", k, short(gv), short(wv)))
		}
	}
	return diffs
}

func bodyKind(p *parsed) string {
	switch {
	case p.isJSON:
		return "JSON"
	case p.isForm:
		return "form"
	case p.raw == "":
		return "empty"
	}
	return "text"
}

func short(s string) string {
	const max = 40
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}

// score is a cheap distance used to pick candidates before explaining them.
func score(got, want *parsed) int {
	s := 0
	if got.method != want.method {
		s += 4
	}
	if got.path != want.path {
		gs, ws := strings.Split(got.path, "/"), strings.Split(want.path, "/")
		s += 8
		if len(gs) != len(ws) {
			s += 4
		}
		for i := 0; i < len(gs) && i < len(ws); i++ {
			if gs[i] != ws[i] {
				s++
			}
		}
	}
	return s
}

// sortCandidates orders ids by score then id.
func sortCandidates(ids []int, scores []int) {
	sort.SliceStable(ids, func(a, b int) bool {
		if scores[ids[a]] != scores[ids[b]] {
			return scores[ids[a]] < scores[ids[b]]
		}
		return ids[a] < ids[b]
	})
}

// Matcher compares one received request with one recording, by the rules a
// Replayer's index applies (method, host when both name one, path, sorted
// query, canonical JSON or form body, minus ignored and redacted values),
// for tools that walk recordings themselves: package govcr gives it to
// go-vcr as its MatcherFunc. Safe for concurrent use.
type Matcher struct{ m *matcher }

// NewMatcher returns a Matcher; red's rules say which values are left out,
// as they were left out of the recording (nil means the default rules).
func NewMatcher(opts MatchOptions, red *Redactor) *Matcher {
	return &Matcher{m: newMatcher(opts, red)}
}

// Match reports whether a request (method, URL, content type and body)
// matches the recorded request rec.
func (m *Matcher) Match(method string, u *url.URL, contentType string, body []byte, rec *Request) bool {
	ru, err := url.Parse(rec.URL)
	if err != nil || method != rec.Method || (u.Host != "" && ru.Host != "" && !strings.EqualFold(u.Host, ru.Host)) {
		return false
	}
	p := m.m.parse(method, u, "", contentType, body)
	rp := m.m.parse(rec.Method, ru, "", rec.Headers.Get("Content-Type"), []byte(rec.Body))
	if p.path != rp.path {
		return false
	}
	prof := m.m.profileOf(rp)
	return m.m.digest(p, prof) == m.m.digest(rp, prof)
}
