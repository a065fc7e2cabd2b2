package contract

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"

	"github.com/faultline-dev/faultline/cassettes"
)

// Verdict is how one recorded interaction compares with the spec.
type Verdict struct {
	Interaction *cassettes.Interaction
	// Operation is the spec's operation for the recorded request; nil when
	// the spec has none (then Request and Response are empty).
	Operation *Operation
	Request   []Violation // the recorded request against its operation
	Response  []Violation // the recorded status and body against the operation's responses
	// Err says why the interaction could not be judged at all (a URL that
	// does not parse); it is then neither valid nor a violation.
	Err string
}

// Unknown reports whether the spec has no operation for the interaction.
func (v Verdict) Unknown() bool { return v.Err == "" && v.Operation == nil }

// Verify judges every interaction of a cassette, offline: the recorded
// request must be valid for its operation (parameters, content type,
// body), and the recorded response must have a status the operation
// documents (or a range or default covering it) and a body valid for the
// schema of its content type. Interactions for operations the spec does
// not have are returned with a nil Operation, for the caller to list.
func (s *Spec) Verify(c *cassettes.Cassette) []Verdict {
	out := make([]Verdict, 0, len(c.Interactions))
	for _, it := range c.Interactions {
		out = append(out, s.verifyInteraction(it))
	}
	return out
}

func (s *Spec) verifyInteraction(it *cassettes.Interaction) Verdict {
	v := Verdict{Interaction: it}
	req, err := recordedRequest(it)
	if err != nil {
		v.Err = err.Error()
		return v
	}
	if v.Operation = s.Find(req); v.Operation == nil {
		return v
	}
	v.Request = s.validateFor(v.Operation, req)
	_, v.Response = s.validateResponseFor(v.Operation, req, it.Response.Code, recordedHeader(it.Response.Headers), []byte(it.Response.Body))
	return v
}

// recordedRequest rebuilds the request a cassette recorded; a form
// recorded only as parsed values is encoded again.
func recordedRequest(it *cassettes.Interaction) (*http.Request, error) {
	u, err := url.Parse(it.Request.URL)
	if err != nil {
		return nil, fmt.Errorf("recorded URL %q does not parse: %v", it.Request.URL, err)
	}
	body := it.Request.Body
	if body == "" && len(it.Request.Form) > 0 {
		body = it.Request.Form.Encode()
	}
	req, err := http.NewRequest(it.Request.Method, u.String(), bytes.NewReader([]byte(body)))
	if err != nil {
		return nil, fmt.Errorf("recorded request %s %s cannot be rebuilt: %v", it.Request.Method, it.Request.URL, err)
	}
	req.Header = recordedHeader(it.Request.Headers)
	if body == "" {
		req.Body = http.NoBody
	}
	return req, nil
}

// recordedHeader copies recorded headers without those describing the
// wire encoding: the cassette holds the body as the client read it.
func recordedHeader(h http.Header) http.Header {
	out := h.Clone()
	if out == nil {
		out = http.Header{}
	}
	out.Del("Content-Encoding")
	out.Del("Content-Length")
	out.Del("Transfer-Encoding")
	return out
}
