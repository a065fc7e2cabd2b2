package govcr

import (
	"bytes"
	"io"
	"net/http"

	"gopkg.in/dnaeon/go-vcr.v3/cassette"
	"gopkg.in/dnaeon/go-vcr.v3/recorder"

	"github.com/faultline-dev/faultline/cassettes"
)

// Matcher returns faultline's matcher as a go-vcr MatcherFunc. It reads
// the request body and puts it back, so go-vcr still sends it when it
// records.
func Matcher(opts cassettes.MatchOptions) cassette.MatcherFunc {
	m := cassettes.NewMatcher(opts, nil)
	return func(r *http.Request, rec cassette.Request) bool {
		body, err := peekBody(r)
		if err != nil {
			return false
		}
		return m.Match(r.Method, r.URL, r.Header.Get("Content-Type"), body, toRequest(&rec))
	}
}

// peekBody reads r's body and leaves an unread copy in its place.
func peekBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	body, err := io.ReadAll(r.Body)
	_ = r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, err
}

// Redact returns faultline's redaction as a go-vcr hook: the interaction's
// secrets are replaced by cassettes.Placeholder. Use it as a
// recorder.BeforeSaveHook (nothing secret is saved, and the test saw the
// real responses) together with Matcher, which matches a redacted value to
// any value. A nil red means the default rules.
func Redact(red *cassettes.Redactor) recorder.HookFunc {
	return func(i *cassette.Interaction) error {
		in := &cassettes.Interaction{Request: *toRequest(&i.Request), Response: toResponse(&i.Response)}
		out := red.Interaction(in)
		fromRequest(&i.Request, &out.Request)
		fromResponse(&i.Response, &out.Response)
		return nil
	}
}

// The go-vcr and faultline records are field for field the same format.

func toRequest(r *cassette.Request) *cassettes.Request {
	return &cassettes.Request{Proto: r.Proto, ProtoMajor: r.ProtoMajor, ProtoMinor: r.ProtoMinor,
		ContentLength: r.ContentLength, TransferEncoding: r.TransferEncoding, Trailer: r.Trailer, Host: r.Host,
		RemoteAddr: r.RemoteAddr, RequestURI: r.RequestURI, Body: r.Body, Form: r.Form, Headers: r.Headers,
		URL: r.URL, Method: r.Method}
}

func fromRequest(dst *cassette.Request, r *cassettes.Request) {
	*dst = cassette.Request{Proto: r.Proto, ProtoMajor: r.ProtoMajor, ProtoMinor: r.ProtoMinor,
		ContentLength: r.ContentLength, TransferEncoding: r.TransferEncoding, Trailer: r.Trailer, Host: r.Host,
		RemoteAddr: r.RemoteAddr, RequestURI: r.RequestURI, Body: r.Body, Form: r.Form, Headers: r.Headers,
		URL: r.URL, Method: r.Method}
}

func toResponse(r *cassette.Response) cassettes.Response {
	return cassettes.Response{Proto: r.Proto, ProtoMajor: r.ProtoMajor, ProtoMinor: r.ProtoMinor,
		TransferEncoding: r.TransferEncoding, Trailer: r.Trailer, ContentLength: r.ContentLength,
		Uncompressed: r.Uncompressed, Body: r.Body, Headers: r.Headers, Status: r.Status, Code: r.Code,
		Duration: r.Duration}
}

func fromResponse(dst *cassette.Response, r *cassettes.Response) {
	*dst = cassette.Response{Proto: r.Proto, ProtoMajor: r.ProtoMajor, ProtoMinor: r.ProtoMinor,
		TransferEncoding: r.TransferEncoding, Trailer: r.Trailer, ContentLength: r.ContentLength,
		Uncompressed: r.Uncompressed, Body: r.Body, Headers: r.Headers, Status: r.Status, Code: r.Code,
		Duration: r.Duration}
}
