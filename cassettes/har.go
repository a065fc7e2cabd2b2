package cassettes

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), the subset
// that maps onto a cassette.
type harFile struct {
	Log harLog `json:"log"`
}

type harLog struct {
	Version string     `json:"version"`
	Creator harCreator `json:"creator"`
	Entries []harEntry `json:"entries"`
}

type harCreator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type harEntry struct {
	StartedDateTime string      `json:"startedDateTime"`
	Time            float64     `json:"time"`
	Request         harRequest  `json:"request"`
	Response        harResponse `json:"response"`
	Cache           struct{}    `json:"cache"`
	Timings         harTimings  `json:"timings"`
}

type harNV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harRequest struct {
	Method      string       `json:"method"`
	URL         string       `json:"url"`
	HTTPVersion string       `json:"httpVersion"`
	Cookies     []harNV      `json:"cookies"`
	Headers     []harNV      `json:"headers"`
	QueryString []harNV      `json:"queryString"`
	PostData    *harPostData `json:"postData,omitempty"`
	HeadersSize int          `json:"headersSize"`
	BodySize    int          `json:"bodySize"`
}

type harPostData struct {
	MimeType string  `json:"mimeType"`
	Text     string  `json:"text"`
	Params   []harNV `json:"params,omitempty"`
}

type harResponse struct {
	Status      int        `json:"status"`
	StatusText  string     `json:"statusText"`
	HTTPVersion string     `json:"httpVersion"`
	Cookies     []harNV    `json:"cookies"`
	Headers     []harNV    `json:"headers"`
	Content     harContent `json:"content"`
	RedirectURL string     `json:"redirectURL"`
	HeadersSize int        `json:"headersSize"`
	BodySize    int        `json:"bodySize"`
}

type harContent struct {
	Size     int    `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
	Encoding string `json:"encoding,omitempty"`
}

type harTimings struct {
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

// ImportHAR reads a HAR 1.2 file (as saved by browsers' developer tools,
// Charles or mitmproxy) into a cassette, redacted with red (nil means the
// default rules) before it is returned, so nothing unredacted can be saved.
// Errors are *FormatError; they name the file when r is an *os.File.
func ImportHAR(r io.Reader, red *Redactor) (*Cassette, error) {
	name := "HAR input"
	if f, ok := r.(*os.File); ok {
		name = f.Name()
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("import HAR %s: %w", name, err)
	}
	var h harFile
	if err := json.Unmarshal(data, &h); err != nil {
		return nil, &FormatError{File: name, Line: jsonErrorLine(data, err),
			Msg: "not a HAR file: " + err.Error() + "; export it again as HAR 1.2"}
	}
	if len(h.Log.Entries) == 0 {
		return nil, &FormatError{File: name, Msg: "HAR file has no entries (log.entries is empty or missing); record some traffic first"}
	}
	c := &Cassette{Version: FormatVersion}
	for i, e := range h.Log.Entries {
		x, err := fromHAR(e)
		if err != nil {
			return nil, &FormatError{File: name, Msg: fmt.Sprintf("log.entries[%d]: %v", i, err)}
		}
		x.ID = i
		c.Interactions = append(c.Interactions, orDefault(red).Interaction(x))
	}
	return c, nil
}

func jsonErrorLine(data []byte, err error) int {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	off := int64(-1)
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	if off < 0 || off > int64(len(data)) {
		return 0
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}

func fromHAR(e harEntry) (*Interaction, error) {
	if e.Request.Method == "" {
		return nil, errors.New("request.method is missing")
	}
	u, err := url.Parse(e.Request.URL)
	if err != nil || !u.IsAbs() {
		return nil, fmt.Errorf("request.url %q is not an absolute URL", e.Request.URL)
	}
	if e.Response.Status < 100 || e.Response.Status > 999 {
		return nil, fmt.Errorf("response.status %d is not an HTTP status", e.Response.Status)
	}
	body := e.Response.Content.Text
	if e.Response.Content.Encoding == "base64" {
		b, err := base64.StdEncoding.DecodeString(body)
		if err != nil {
			return nil, fmt.Errorf("response.content.text is not valid base64: %w", err)
		}
		body = string(b)
	}
	x := &Interaction{
		Request: Request{Method: e.Request.Method, URL: e.Request.URL, Host: u.Host,
			Headers: fromNV(e.Request.Headers)},
		Response: Response{Code: e.Response.Status, Body: body,
			Status:   strings.TrimSpace(strconv.Itoa(e.Response.Status) + " " + e.Response.StatusText),
			Headers:  fromNV(e.Response.Headers),
			Duration: time.Duration(e.Time * float64(time.Millisecond))},
	}
	x.Request.Proto, x.Request.ProtoMajor, x.Request.ProtoMinor = proto(e.Request.HTTPVersion)
	x.Response.Proto, x.Response.ProtoMajor, x.Response.ProtoMinor = proto(e.Response.HTTPVersion)
	x.Response.ContentLength = int64(len(body))
	// HAR's content.text is the decoded body: the recorded encoding and
	// length no longer describe it, and replaying them would corrupt it.
	x.Response.Headers.Del("Content-Encoding")
	x.Response.Headers.Del("Content-Length")
	if pd := e.Request.PostData; pd != nil {
		x.Request.Body = pd.Text
		if pd.Text == "" && len(pd.Params) > 0 { // some tools give form fields only
			form := url.Values{}
			for _, p := range pd.Params {
				form.Add(p.Name, p.Value)
			}
			x.Request.Body, x.Request.Form = form.Encode(), form
		}
		x.Request.ContentLength = int64(len(pd.Text))
		if x.Request.Headers.Get("Content-Type") == "" && pd.MimeType != "" {
			x.Request.Headers.Set("Content-Type", pd.MimeType)
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, e.StartedDateTime); err == nil {
		x.RecordedAt = t.UTC()
	}
	return x, nil
}

// fromNV builds a header, dropping HTTP/2 pseudo-headers such as ":authority".
func fromNV(nv []harNV) http.Header {
	h := http.Header{}
	for _, p := range nv {
		if !strings.HasPrefix(p.Name, ":") {
			h.Add(p.Name, p.Value)
		}
	}
	return h
}

func proto(v string) (string, int, int) {
	if major, minor, ok := http.ParseHTTPVersion(strings.ToUpper(v)); ok {
		return strings.ToUpper(v), major, minor
	}
	return "HTTP/1.1", 1, 1
}

// ExportHAR writes c as HAR 1.2 JSON, for browsers' developer tools and
// HAR viewers. Bodies that are not UTF-8 are base64-encoded.
func ExportHAR(w io.Writer, c *Cassette) error {
	version := "dev"
	if c.Meta != nil && c.Meta.Version != "" {
		version = c.Meta.Version
	}
	h := harFile{Log: harLog{Version: "1.2", Creator: harCreator{Name: "faultline", Version: version}}}
	for _, x := range c.Interactions {
		h.Log.Entries = append(h.Log.Entries, toHAR(x, c.RecordedAt()))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(h); err != nil {
		return fmt.Errorf("export HAR: %w", err)
	}
	return nil
}

func toHAR(x *Interaction, fallback time.Time) harEntry {
	at := x.RecordedAt
	if at.IsZero() {
		at = fallback
	}
	ms := float64(x.Response.Duration) / float64(time.Millisecond)
	e := harEntry{
		StartedDateTime: at.UTC().Format(time.RFC3339Nano),
		Time:            ms,
		Timings:         harTimings{Send: 0, Wait: ms, Receive: 0},
		Request: harRequest{Method: x.Request.Method, URL: x.Request.URL, HTTPVersion: orHTTP11(x.Request.Proto),
			Cookies: []harNV{}, Headers: toNV(x.Request.Headers), QueryString: queryNV(x.Request.URL),
			HeadersSize: -1, BodySize: len(x.Request.Body)},
		Response: harResponse{Status: x.Response.Code, StatusText: statusText(x.Response), HTTPVersion: orHTTP11(x.Response.Proto),
			Cookies: []harNV{}, Headers: toNV(x.Response.Headers), RedirectURL: x.Response.Headers.Get("Location"),
			HeadersSize: -1, BodySize: len(x.Response.Body),
			Content: harContent{Size: len(x.Response.Body), MimeType: x.Response.Headers.Get("Content-Type"), Text: x.Response.Body}},
	}
	if !utf8.ValidString(x.Response.Body) {
		e.Response.Content.Text = base64.StdEncoding.EncodeToString([]byte(x.Response.Body))
		e.Response.Content.Encoding = "base64"
	}
	if x.Request.Body != "" {
		e.Request.PostData = &harPostData{MimeType: x.Request.Headers.Get("Content-Type"), Text: x.Request.Body}
	}
	return e
}

func orHTTP11(p string) string {
	if p == "" {
		return "HTTP/1.1"
	}
	return p
}

func statusText(r Response) string {
	if _, text, ok := strings.Cut(r.Status, " "); ok {
		return text
	}
	return http.StatusText(r.Code)
}

func toNV(h http.Header) []harNV {
	out := []harNV{}
	for _, k := range sortedKeys(h) {
		for _, v := range h[k] {
			out = append(out, harNV{Name: k, Value: v})
		}
	}
	return out
}

func queryNV(raw string) []harNV {
	out := []harNV{}
	u, err := url.Parse(raw)
	if err != nil {
		return out
	}
	q := u.Query()
	for _, k := range sortedKeys(q) {
		for _, v := range q[k] {
			out = append(out, harNV{Name: k, Value: v})
		}
	}
	return out
}
