package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// ExampleRequest builds a request the contract accepts for op: path
// parameters, required query parameters and headers from their examples
// or generated from their schemas, and a body (the first valid example,
// else generated) encoded as the operation's content type (JSON or form).
// It is how faultline's tests and benchmarks speak a spec's language.
func (s *Spec) ExampleRequest(op *Operation, seed int64) (*http.Request, error) {
	seed = opSeed(seed, op)
	path := op.Path
	q := url.Values{}
	for k, v := range op.Query {
		q.Set(k, v)
	}
	hdr := http.Header{}
	for i, p := range params(op) {
		if p.Required == nil || !*p.Required {
			if p.In != "path" {
				continue
			}
		}
		val := s.paramValue(p, seed+int64(i))
		switch p.In {
		case "path":
			path = strings.ReplaceAll(path, "{"+p.Name+"}", url.PathEscape(val))
		case "query":
			q.Set(p.Name, val)
		case "header":
			hdr.Set(p.Name, val)
		case "cookie":
			hdr.Add("Cookie", p.Name+"="+val)
		}
	}
	body, ct, err := s.requestBody(op, seed)
	if err != nil {
		return nil, err
	}
	u := path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	r, err := http.NewRequest(op.Method, u, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op.Name(), err)
	}
	if body == nil {
		r.Body = http.NoBody
	}
	for k, v := range hdr {
		r.Header[k] = v
	}
	if ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	return r, nil
}

// params merges path-level and operation-level parameters (the
// operation's win), sorted by location and name for determinism.
func params(op *Operation) []*v3.Parameter {
	byKey := map[string]*v3.Parameter{}
	for _, p := range op.item.Parameters {
		if p != nil {
			byKey[p.In+" "+p.Name] = p
		}
	}
	for _, p := range op.op.Parameters {
		if p != nil {
			byKey[p.In+" "+p.Name] = p
		}
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*v3.Parameter, len(keys))
	for i, k := range keys {
		out[i] = byKey[k]
	}
	return out
}

// paramValue is a parameter's example when valid, else a generated value,
// as the string sent on the wire.
func (s *Spec) paramValue(p *v3.Parameter, seed int64) string {
	var schema *base.Schema
	if p.Schema != nil {
		schema = p.Schema.Schema()
	}
	cands := []*namedExample{}
	if p.Example != nil {
		cands = append(cands, &namedExample{"example", p.Example})
	}
	if p.Examples != nil {
		for e := p.Examples.First(); e != nil; e = e.Next() {
			if e.Value() != nil && e.Value().Value != nil {
				cands = append(cands, &namedExample{e.Key(), e.Value().Value})
			}
		}
	}
	for _, ex := range cands {
		doc, err := nodeJSON(ex.value)
		if err != nil {
			continue
		}
		if schema == nil {
			return wireString(doc)
		}
		if ok, _ := s.schemas.valid(schema, doc); ok {
			return wireString(doc)
		}
	}
	if schema == nil {
		return "x"
	}
	for i := int64(0); i < generateTries; i++ {
		doc := s.render(schema, seed+i, false)
		if ok, _ := s.schemas.valid(schema, doc); ok {
			return wireString(doc)
		}
	}
	return wireString(s.render(schema, seed, false))
}

// wireString renders a JSON scalar as a parameter is sent; arrays become
// comma-separated (form style, explode false).
func wireString(doc []byte) string {
	var v any
	if json.Unmarshal(doc, &v) != nil {
		return string(doc)
	}
	switch t := v.(type) {
	case string:
		return t
	case []any:
		parts := make([]string, len(t))
		for i, x := range t {
			parts[i] = scalarString(x)
		}
		return strings.Join(parts, ",")
	}
	return scalarString(v)
}

func scalarString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// requestBody returns the body to send and its content type.
func (s *Spec) requestBody(op *Operation, seed int64) ([]byte, string, error) {
	rb := op.op.RequestBody
	if rb == nil || rb.Content == nil || rb.Content.Len() == 0 {
		return nil, "", nil
	}
	ct, mt := pickRequestMedia(rb.Content)
	a := Answer{}
	s.fill(&a, op, mt, ct, seed, s.requestCheck(op, ct))
	for _, w := range a.Warnings {
		s.warnOnce(w)
	}
	if !isForm(ct) {
		return a.Body, ct, nil
	}
	form, err := formEncode(a.Body)
	if err != nil {
		return nil, "", fmt.Errorf("%s: form body: %w", op.Name(), err)
	}
	return []byte(form), ct, nil
}

// pickRequestMedia prefers JSON, then a form, then the first.
func pickRequestMedia(c mediaMap) (string, *v3.MediaType) {
	for e := c.First(); e != nil; e = e.Next() {
		if isJSON(e.Key()) {
			return e.Key(), e.Value()
		}
	}
	for e := c.First(); e != nil; e = e.Next() {
		if isForm(e.Key()) {
			return e.Key(), e.Value()
		}
	}
	return pickMedia(c)
}

func isForm(ct string) bool { return strings.Contains(strings.ToLower(ct), "x-www-form-urlencoded") }

// formEncode turns a JSON object into application/x-www-form-urlencoded;
// arrays repeat the key, nested objects are JSON-encoded.
func formEncode(doc []byte) (string, error) {
	var obj map[string]any
	if err := json.Unmarshal(doc, &obj); err != nil {
		return "", err
	}
	v := url.Values{}
	for k, x := range obj {
		if arr, ok := x.([]any); ok {
			for _, e := range arr {
				v.Add(k, scalarString(e))
			}
			continue
		}
		v.Set(k, scalarString(x))
	}
	return v.Encode(), nil
}
