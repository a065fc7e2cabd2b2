package contract

import (
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// router finds the operation for a request: path templates compiled once,
// bucketed by method and segment count, most specific first (query-bound
// keys, then more literal characters), so "/things/mine" wins over
// "/things/{id}".
type router struct {
	buckets map[string][]*route // "GET 3" -> candidates
	bases   []string            // server URL paths a request may carry ("/v1")
}

type route struct {
	op      *Operation
	re      *regexp.Regexp // nil: literal template
	literal int            // literal characters in the template
}

func newRouter(ops []*Operation, bases []string) router {
	rt := router{buckets: map[string][]*route{}, bases: bases}
	for _, op := range ops {
		r := &route{op: op, literal: len(paramRE.ReplaceAllString(op.Path, ""))}
		if strings.Contains(op.Path, "{") {
			r.re = compileTemplate(op.Path)
		}
		k := bucketKey(op.Method, op.Path)
		rt.buckets[k] = append(rt.buckets[k], r)
	}
	for _, b := range rt.buckets {
		sort.SliceStable(b, func(i, j int) bool {
			if len(b[i].op.Query) != len(b[j].op.Query) {
				return len(b[i].op.Query) > len(b[j].op.Query)
			}
			return b[i].literal > b[j].literal
		})
	}
	return rt
}

var paramRE = regexp.MustCompile(`\{[^}/]*\}`)

// compileTemplate turns "/Accounts/{Sid}/Messages/{Id}.json" into a regexp
// where each parameter is one non-empty path segment part.
func compileTemplate(tmpl string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	last := 0
	for _, loc := range paramRE.FindAllStringIndex(tmpl, -1) {
		b.WriteString(regexp.QuoteMeta(tmpl[last:loc[0]]))
		b.WriteString(`[^/]+?`)
		last = loc[1]
	}
	b.WriteString(regexp.QuoteMeta(tmpl[last:]))
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

func bucketKey(method, path string) string {
	return method + " " + strconv.Itoa(strings.Count(strings.TrimSuffix(path, "/"), "/"))
}

// find returns the request's operation, trying the path as sent and then
// without a server's base path.
func (rt router) find(r *http.Request) *Operation {
	if op := rt.match(r.Method, r.URL.Path, r.URL); op != nil {
		return op
	}
	if r.Method == http.MethodHead {
		if op := rt.match(http.MethodGet, r.URL.Path, r.URL); op != nil {
			return op
		}
	}
	for _, b := range rt.bases {
		if rest, ok := strings.CutPrefix(r.URL.Path, b); ok && strings.HasPrefix(rest, "/") {
			r2 := *r
			u := *r.URL
			u.Path, u.RawPath = rest, ""
			r2.URL = &u
			return rt.find(&r2)
		}
	}
	return nil
}

// basePaths lists the paths of the spec's server URLs ("https://api.example.com/v1"
// gives "/v1"), server variables replaced by their defaults, longest first.
func basePaths(servers []*v3.Server) []string {
	var out []string
	for _, s := range servers {
		raw := s.URL
		if s.Variables != nil {
			for v := s.Variables.First(); v != nil; v = v.Next() {
				raw = strings.ReplaceAll(raw, "{"+v.Key()+"}", v.Value().Default)
			}
		}
		u, err := url.Parse(raw)
		if err != nil {
			continue
		}
		if p := strings.TrimSuffix(u.Path, "/"); p != "" && !strings.Contains(p, "{") {
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

func (rt router) match(method, path string, u *url.URL) *Operation {
	var q url.Values
	for _, r := range rt.buckets[bucketKey(method, path)] {
		if len(r.op.Query) > 0 {
			if q == nil {
				q = u.Query()
			}
			if !hasQuery(q, r.op.Query) {
				continue
			}
		}
		if r.re == nil && r.op.Path == path || r.re != nil && r.re.MatchString(path) {
			return r.op
		}
	}
	return nil
}

func hasQuery(q url.Values, want map[string]string) bool {
	for k, v := range want {
		if q.Get(k) != v {
			return false
		}
	}
	return true
}
