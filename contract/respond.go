package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/orderedmap"

	"github.com/faultline-dev/faultline/internal/yamlx"
)

// Answer is what the spec handler sends for an operation: the documented
// success status, and a body from the spec's first example valid for its
// schema, or else a value generated from the schema by the seed.
type Answer struct {
	Status      int
	ContentType string // "" for no body
	Body        []byte
	Source      string // "example NAME", "generated", "ungenerable" (a 501) or "none"
	// Warnings are the examples skipped because they break their schema.
	Warnings []Warning
}

// generateTries is how many seeded draws generation makes before giving
// up on a value valid for its schema.
const generateTries = 8

// Answer computes the answer to op for a seed. It is deterministic: the
// same spec, operation and seed give the same bytes.
func (s *Spec) Answer(op *Operation, seed int64) Answer {
	code, resp := successResponse(op.op)
	a := Answer{Status: code, Source: "none"}
	if resp == nil || resp.Content == nil || resp.Content.Len() == 0 {
		return a
	}
	ct, mt := pickMedia(resp.Content)
	a.ContentType = ct
	s.fill(&a, op, mt, ct, opSeed(seed, op), s.responseCheck(op, code, ct))
	return a
}

// bodyCheck judges a candidate body the way a real message would be
// judged, so that what faultline serves passes its own validation.
type bodyCheck func(body []byte) (bool, string)

func (s *Spec) responseCheck(op *Operation, status int, ct string) bodyCheck {
	return func(body []byte) (bool, string) {
		r, _ := http.NewRequest(op.Method, "/", nil)
		_, vs := s.validateResponseFor(op, r, status, http.Header{"Content-Type": {ct}}, body)
		if len(vs) == 0 {
			return true, ""
		}
		return false, vs[0].String()
	}
}

func (s *Spec) requestCheck(op *Operation, ct string) bodyCheck {
	return func(body []byte) (bool, string) {
		r, _ := http.NewRequest(op.Method, "/", bytes.NewReader(body))
		r.Header.Set("Content-Type", ct)
		if isForm(ct) {
			form, err := formEncode(body)
			if err != nil {
				return false, err.Error()
			}
			r.Body = io.NopCloser(strings.NewReader(form))
		}
		_, restore := bufferBody(r)
		_, errs := s.judge(isForm(ct), false).GetRequestBodyValidator().ValidateRequestBodyWithPathItem(r, op.item, op.Path)
		if uncompiled(errs) { // judged as plain JSON Schema, as ValidateRequest does
			restore()
			_, errs = s.judge(isForm(ct), true).GetRequestBodyValidator().ValidateRequestBodyWithPathItem(r, op.item, op.Path)
			errs = s.dropUncompiled(op, errs)
		}
		if vs := toViolations(op, errs); len(vs) > 0 {
			return false, vs[0].String()
		}
		return true, ""
	}
}

// fill sets the body: a valid example, else a generated value.
func (s *Spec) fill(a *Answer, op *Operation, mt *v3.MediaType, ct string, seed int64, check bodyCheck) {
	var schema *base.Schema
	if mt.Schema != nil {
		schema = mt.Schema.Schema()
	}
	if !isJSON(ct) && !isForm(ct) {
		a.Body, a.Source = textExample(mt), "example"
		if a.Body == nil {
			a.Body, a.Source = []byte("faultline: generated "+ct+" body\n"), "generated"
		}
		return
	}
	for _, ex := range examples(mt, schema) {
		body, err := nodeJSON(ex.value)
		if err != nil {
			continue
		}
		if schema == nil {
			a.Body, a.Source = body, "example "+ex.name
			return
		}
		ok, why := check(body)
		if ok {
			a.Body, a.Source = body, "example "+ex.name
			return
		}
		a.Warnings = append(a.Warnings, Warning{Where: op.Name(), Message: fmt.Sprintf("%d example %s breaks its schema (%s): serving a generated value", a.Status, ex.name, why)})
	}
	if schema == nil {
		a.Body, a.Source = []byte("{}"), "generated"
		return
	}
	body, why := s.generate(schema, seed, check)
	if why == "" {
		a.Body, a.Source = body, "generated"
		return
	}
	s.ungenerable(a, op, why)
}

// Ungenerable is the status the handler answers when no value it can
// generate is valid for the documented response's schema: a clear error
// rather than a body that breaks the contract it claims to serve.
const Ungenerable = http.StatusNotImplemented

// ungenerable turns a into a 501 naming the operation, the documented
// status and why, with a warning saying what to do.
func (s *Spec) ungenerable(a *Answer, op *Operation, why string) {
	msg := fmt.Sprintf("faultline: no generated value is valid for the spec's %d response of %s (%s): give the spec an example for it, or answer the route in the plan", a.Status, op.Name(), why)
	a.Warnings = append(a.Warnings, Warning{Where: op.Name(), Message: msg})
	a.Body, _ = json.Marshal(map[string]any{"error": map[string]any{"message": msg, "operation": op.Name(), "status": a.Status}})
	a.Status, a.ContentType, a.Source = Ungenerable, "application/json", "ungenerable"
}

// generate draws values for the schema from the seed, alternately with
// and without optional properties, until one passes check; why is the
// last draw's failure when none does.
func (s *Spec) generate(schema *base.Schema, seed int64, check bodyCheck) (body []byte, why string) {
	for i := int64(0); i < generateTries; i++ {
		var ok bool
		body, ok = generateJSON(schema, seed+i/2, i%2 == 0)
		if !ok {
			why = "the schema cannot be satisfied within the generator's depth bound"
			continue
		}
		if ok, why = check(body); ok {
			return body, ""
		}
	}
	return nil, why
}

// render draws one value; full renders optional properties too.
func (s *Spec) render(schema *base.Schema, seed int64, full bool) []byte {
	body, _ := generateJSON(schema, seed, full)
	return body
}

func opSeed(seed int64, op *Operation) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(op.Method + " " + op.Key))
	return seed ^ int64(h.Sum64()>>1)
}

// successResponse picks the documented success: the lowest 2xx code, then
// 2XX, then default (as 200), then the lowest code documented at all.
func successResponse(op *v3.Operation) (int, *v3.Response) {
	if op.Responses == nil {
		return 200, nil
	}
	var codes []string
	if op.Responses.Codes != nil {
		for c := op.Responses.Codes.First(); c != nil; c = c.Next() {
			codes = append(codes, c.Key())
		}
	}
	sort.Strings(codes)
	for _, c := range codes {
		if n, err := strconv.Atoi(c); err == nil && n >= 200 && n < 300 {
			return n, op.Responses.Codes.GetOrZero(c)
		}
	}
	for _, c := range codes {
		if strings.EqualFold(c, "2XX") {
			return 200, op.Responses.Codes.GetOrZero(c)
		}
	}
	if op.Responses.Default != nil {
		return 200, op.Responses.Default
	}
	for _, c := range codes {
		if n, err := strconv.Atoi(c); err == nil {
			return n, op.Responses.Codes.GetOrZero(c)
		}
	}
	return 200, nil
}

// pickMedia prefers JSON among a response's content types.
func pickMedia(content mediaMap) (string, *v3.MediaType) {
	for c := content.First(); c != nil; c = c.Next() {
		if isJSON(c.Key()) {
			return c.Key(), c.Value()
		}
	}
	first := content.First()
	return first.Key(), first.Value()
}

func isJSON(ct string) bool {
	ct = strings.ToLower(ct)
	return strings.Contains(ct, "json") || ct == "*/*"
}

// mediaMap is a content map: media type to its schema and examples.
type mediaMap = *orderedmap.Map[string, *v3.MediaType]

type namedExample struct {
	name  string
	value *yaml.Node
}

// examples lists a media type's examples in the order they are tried:
// named examples, the example, then the schema's.
func examples(mt *v3.MediaType, schema *base.Schema) []namedExample {
	var out []namedExample
	if mt.Examples != nil {
		for e := mt.Examples.First(); e != nil; e = e.Next() {
			if ex := e.Value(); ex != nil && ex.Value != nil {
				out = append(out, namedExample{strconv.Quote(e.Key()), ex.Value})
			}
		}
	}
	if mt.Example != nil {
		out = append(out, namedExample{"(example)", mt.Example})
	}
	if schema != nil {
		for i, ex := range schema.Examples {
			out = append(out, namedExample{fmt.Sprintf("(schema examples[%d])", i), ex})
		}
		if schema.Example != nil {
			out = append(out, namedExample{"(schema example)", schema.Example})
		}
	}
	return out
}

// nodeJSON converts a YAML example to JSON.
func nodeJSON(n *yaml.Node) ([]byte, error) {
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, err
	}
	v = yamlx.JSONable(v)
	return json.Marshal(v)
}

func textExample(mt *v3.MediaType) []byte {
	for _, ex := range examples(mt, nil) {
		var s string
		if ex.value.Decode(&s) == nil {
			return []byte(s)
		}
	}
	return nil
}
