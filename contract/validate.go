package contract

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	liberrors "github.com/pb33f/libopenapi-validator/errors"
)

// Violation is one way a request or response breaks the contract.
type Violation struct {
	Operation string // the operation's Name, "" when no operation matched
	// In is where: path, query, header, cookie, body, content-type,
	// status or operation (no such operation in the spec).
	In      string
	Field   string // the parameter name or body field path ("items[0].price"), "" for the whole
	Message string
}

func (v Violation) String() string {
	where := v.In
	if v.Field != "" {
		where += " " + v.Field
	}
	return where + ": " + v.Message
}

// ValidateRequest judges a request against its operation: path, query,
// header and cookie parameters, the content type and the body schema. The
// body is read and put back, so the request can still be served. A request
// for no operation of the spec gets one violation with In "operation".
func (s *Spec) ValidateRequest(r *http.Request) (*Operation, []Violation) {
	op := s.Find(r)
	if op == nil {
		return nil, []Violation{{In: "operation", Message: fmt.Sprintf("the spec has no operation %s %s", r.Method, r.URL.Path)}}
	}
	return op, s.validateFor(op, r)
}

func (s *Spec) validateFor(op *Operation, r *http.Request) []Violation {
	body := readBody(r)
	defer putBody(r, body) // for whatever serves the request next
	if r.Method == http.MethodHead && op.Method == http.MethodGet {
		r2 := r.Clone(r.Context())
		r2.Method = http.MethodGet
		r = r2
	}
	if s.conforms(op, r, body) {
		return s.undeclaredBody(op, r, body)
	}
	putBody(r, body)
	form := isForm(r.Header.Get("Content-Type"))
	_, errs := s.judge(form, false).ValidateHttpRequestSyncWithPathItem(r, op.item, op.Path)
	if uncompiled(errs) {
		// The spec's schema does not compile as OpenAPI (3.1 documents
		// still using nullable, say): judge it as plain JSON Schema.
		putBody(r, body)
		_, errs = s.judge(form, true).ValidateHttpRequestSyncWithPathItem(r, op.item, op.Path)
		errs = s.dropUncompiled(op, errs)
	}
	if out := toViolations(op, errs); len(out) > 0 {
		return out
	}
	return s.undeclaredBody(op, r, body)
}

// undeclaredBody: a body the operation does not take is worth knowing,
// but many clients send "{}" on DELETE; only a non-empty object counts.
func (s *Spec) undeclaredBody(op *Operation, r *http.Request, body []byte) []Violation {
	if len(body) > 0 && op.op.RequestBody == nil && hasJSONBody(r) && !bytes.Equal(bytes.TrimSpace(body), []byte("{}")) {
		return []Violation{{Operation: op.Name(), In: "body", Message: "the operation takes no request body"}}
	}
	return nil
}

func hasJSONBody(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Content-Type"), "json")
}

// bufferBody reads the request body and returns it, with a function that
// puts a fresh reader back (the validator consumes the one it is given).
func bufferBody(r *http.Request) ([]byte, func()) {
	body := readBody(r)
	putBody(r, body)
	return body, func() { putBody(r, body) }
}

// readBody reads and closes the request body; nil when it has none.
func readBody(r *http.Request) []byte {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	var body []byte
	if n := r.ContentLength; n > 0 && n <= 1<<20 {
		body = make([]byte, n) // the size is known: one allocation
		k, _ := io.ReadFull(r.Body, body)
		body = body[:k]
	} else {
		body, _ = io.ReadAll(r.Body)
	}
	_ = r.Body.Close()
	return body
}

// putBody gives r a fresh reader over body (read by readBody; nil leaves
// a request without a body as it was).
func putBody(r *http.Request, body []byte) {
	if body == nil {
		return
	}
	b := &bodyReader{}
	b.Reset(body)
	r.Body = b
}

// bodyReader is a request body over bytes: a reader and its no-op Close
// in one allocation.
type bodyReader struct{ bytes.Reader }

func (*bodyReader) Close() error { return nil }

// uncompiled reports whether a schema failed to compile (the spec's
// defect, not the message's).
func uncompiled(errs []*liberrors.ValidationError) bool {
	for _, e := range errs {
		if isCompileError(e) {
			return true
		}
	}
	return false
}

func isCompileError(e *liberrors.ValidationError) bool {
	return e != nil && (strings.Contains(e.Message, "failed schema compilation") || strings.Contains(e.Reason, "failed to compile"))
}

// dropUncompiled removes errors about schemas that compile in neither
// mode, keeping a warning: faultline cannot judge what the spec cannot
// express, and must not blame the client for it.
func (s *Spec) dropUncompiled(op *Operation, errs []*liberrors.ValidationError) []*liberrors.ValidationError {
	out := errs[:0]
	for _, e := range errs {
		if isCompileError(e) {
			s.warnOnce(Warning{Where: op.Name(), Message: "a schema does not compile, so that part is not judged: " + firstLine(fmt.Errorf("%s", e.Reason))})
			continue
		}
		out = append(out, e)
	}
	return out
}

// judge returns the validator for a message: with scalar coercion for a
// form body (its values are all strings; a JSON body sending "1200" for
// an integer breaks the contract), without OpenAPI-mode keywords when
// plain. Variants are built on first need.
func (s *Spec) judge(form, plain bool) validator.Validator {
	if !form && !plain {
		return s.validator
	}
	f, p := b2i(form), b2i(plain)
	s.variantOnce[f][p].Do(func() {
		var opts []config.Option
		if form {
			opts = append(opts, config.WithScalarCoercion())
		}
		if plain {
			opts = append(opts, config.WithoutOpenAPIMode())
		}
		s.variant[f][p], _ = newValidator(s.model, s.schemas, opts...)
	})
	return s.variant[f][p]
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (s *Spec) warnOnce(w Warning) {
	s.warnMu.Lock()
	defer s.warnMu.Unlock()
	for _, x := range s.Warnings {
		if x == w {
			return
		}
	}
	s.Warnings = append(s.Warnings, w)
}

// ValidateResponse judges a response to r: its status is documented for
// the operation (or a default/range covers it) and its body is valid for
// the schema of its content type.
func (s *Spec) ValidateResponse(r *http.Request, status int, header http.Header, body []byte) (*Operation, []Violation) {
	op := s.Find(r)
	if op == nil {
		return nil, []Violation{{In: "operation", Message: fmt.Sprintf("the spec has no operation %s %s", r.Method, r.URL.Path)}}
	}
	return s.validateResponseFor(op, r, status, header, body)
}

func (s *Spec) validateResponseFor(op *Operation, r *http.Request, status int, header http.Header, body []byte) (*Operation, []Violation) {
	resp := &http.Response{StatusCode: status, Header: header.Clone(), Body: io.NopCloser(bytes.NewReader(body)), Request: r}
	if resp.Header == nil {
		resp.Header = http.Header{}
	}
	_, errs := s.validator.GetResponseBodyValidator().ValidateResponseBodyWithPathItem(r, resp, op.item, op.Path)
	if uncompiled(errs) {
		resp.Body = io.NopCloser(bytes.NewReader(body))
		_, errs = s.judge(false, true).GetResponseBodyValidator().ValidateResponseBodyWithPathItem(r, resp, op.item, op.Path)
		errs = s.dropUncompiled(op, errs)
	}
	return op, toViolations(op, errs)
}

// toViolations turns the library's errors into violations naming the
// field: the parameter, or the body's field path.
func toViolations(op *Operation, errs []*liberrors.ValidationError) []Violation {
	var out []Violation
	for _, e := range errs {
		if e == nil || reservedFalsePositive(e) {
			continue
		}
		v := Violation{Operation: op.Name(), In: where(e), Field: e.ParameterName, Message: e.Message}
		if e.Reason != "" && !strings.Contains(e.Message, e.Reason) {
			v.Message += ": " + e.Reason
		}
		if len(e.SchemaValidationErrors) == 0 {
			out = append(out, v)
			continue
		}
		for _, f := range e.SchemaValidationErrors {
			fv := v
			if field := fieldPath(f); field != "" {
				if fv.Field != "" && fv.In != "body" {
					fv.Field += "." + field
				} else {
					fv.Field = field
				}
			}
			fv.Message = e.Message + ": " + f.Reason
			out = append(out, fv)
		}
	}
	return out
}

// reservedFalsePositive: the validator judges decoded form and query
// values, so it refuses a ":" or "/" that the client percent-encoded as
// it must (Twilio's Url and StatusCallback). allowReserved only allows
// them unencoded; the decoded value says nothing about that.
func reservedFalsePositive(e *liberrors.ValidationError) bool {
	return strings.Contains(e.Message, "contains reserved characters")
}

// where maps the library's validation type to the part of the message.
func where(e *liberrors.ValidationError) string {
	switch sub := e.ValidationSubType; {
	case e.ValidationType == "parameter" && sub != "":
		return sub
	case strings.Contains(strings.ToLower(e.Message), "content type") || strings.Contains(strings.ToLower(e.Message), "content-type"):
		return "content-type"
	case e.ValidationType == "response" && strings.Contains(strings.ToLower(e.Message), "code"):
		return "status"
	case e.ValidationType == "security":
		return "header"
	}
	return "body"
}

// fieldPath renders a failure's location as a dotted path: "items[0].price".
func fieldPath(f *liberrors.SchemaValidationFailure) string {
	if len(f.InstancePath) > 0 {
		var b strings.Builder
		for _, seg := range f.InstancePath {
			if _, err := strconv.Atoi(seg); err == nil {
				b.WriteString("[" + seg + "]")
				continue
			}
			if b.Len() > 0 {
				b.WriteString(".")
			}
			b.WriteString(seg)
		}
		return b.String()
	}
	p := strings.TrimPrefix(strings.TrimPrefix(f.FieldPath, "$"), ".")
	return p
}
