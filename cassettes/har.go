package cassettes

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
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
	Version   string        `json:"version"`
	Creator   harCreator    `json:"creator"`
	Entries   []harEntry    `json:"entries"`
	Faultline *harFaultline `json:"_faultline,omitempty"`
}

// harFaultline is the cassette's metadata, kept through a round trip.
type harFaultline struct {
	Version    string    `json:"version,omitempty"`
	Upstream   string    `json:"upstream,omitempty"`
	RecordedAt time.Time `json:"recorded_at"`
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
	Encoding string  `json:"_encoding,omitempty"` // "base64" for a binary body (faultline's extension)
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
	Error       string     `json:"_error,omitempty"` // Chrome: why there is no response
}

type harContent struct {
	Size     int    `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
	Encoding string `json:"encoding,omitempty"`
	Encoded  bool   `json:"_encoded,omitempty"`  // text is the body as sent, still content-encoded (faultline)
	IsBinary bool   `json:"_isBinary,omitempty"` // Polly.JS: text is a JSON list of hex chunks of the body as sent
}

type harTimings struct {
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

// HARNote is an entry of a HAR file left out of the cassette, and why.
type HARNote struct {
	Entry  int    // index in log.entries
	Reason string // e.g. "status 0: the browser got no response (net::ERR_INTERNET_DISCONNECTED)"
}

func (n HARNote) String() string {
	return fmt.Sprintf("log.entries[%d] skipped: %s", n.Entry, n.Reason)
}

// ImportHAR reads a HAR 1.2 file (as saved by browsers' developer tools,
// Charles, mitmproxy, Insomnia or Polly.JS) into a cassette, redacted with
// red (nil means the default rules) before it is returned, so nothing
// unredacted can be saved. Entries the browser got no answer for
// (`status: 0`) are left out and listed in the notes. A UTF-8 byte order
// mark is allowed. The upstream is kept in the cassette's metadata when
// every entry went to one origin (or when faultline wrote the HAR), for
// drift. Errors are *FormatError; they name the file when r is an *os.File.
func ImportHAR(r io.Reader, red *Redactor) (*Cassette, []HARNote, error) {
	name := "HAR input"
	if f, ok := r.(*os.File); ok {
		name = f.Name()
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("import HAR %s: %w", name, err)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var h harFile
	if err := json.Unmarshal(data, &h); err != nil {
		return nil, nil, harSyntaxError(name, data, err)
	}
	if len(h.Log.Entries) == 0 {
		return nil, nil, &FormatError{File: name, Msg: "HAR file has no entries (log.entries is empty or missing); record some traffic first"}
	}
	c := &Cassette{Version: FormatVersion}
	var notes []HARNote
	for i, e := range h.Log.Entries {
		if e.Response.Status == 0 {
			notes = append(notes, HARNote{Entry: i, Reason: noAnswer(e.Response.Error)})
			continue
		}
		x, err := fromHAR(e)
		if err != nil {
			return nil, nil, &FormatError{File: name, Msg: fmt.Sprintf("log.entries[%d]: %v", i, err)}
		}
		x.ID = len(c.Interactions)
		c.Interactions = append(c.Interactions, orDefault(red).Interaction(x))
	}
	if len(c.Interactions) == 0 {
		return nil, notes, &FormatError{File: name, Msg: "no entry of the HAR file has a response (all have status 0); record the traffic again"}
	}
	c.Meta = harMeta(h.Log, c)
	return c, notes, nil
}

func noAnswer(reason string) string {
	if reason == "" {
		return "status 0: the browser got no response"
	}
	return "status 0: the browser got no response (" + reason + ")"
}

// harMeta is the metadata faultline wrote into the HAR, else the origin
// every entry shares (none when they went to several).
func harMeta(l harLog, c *Cassette) *Meta {
	if l.Faultline != nil {
		return &Meta{Version: l.Faultline.Version, Upstream: l.Faultline.Upstream, RecordedAt: l.Faultline.RecordedAt}
	}
	origin := ""
	for _, it := range c.Interactions {
		u, err := url.Parse(it.Request.URL)
		if err != nil {
			return nil
		}
		o := u.Scheme + "://" + u.Host
		if origin != "" && o != origin {
			return nil
		}
		origin = o
	}
	return &Meta{Version: "har:" + l.Creator.Name + " " + l.Creator.Version, Upstream: origin}
}

// harSyntaxError explains a file that is not HAR 1.2 JSON, at its line.
func harSyntaxError(name string, data []byte, err error) error {
	msg := "not a HAR file: " + err.Error() + "; export it again as HAR 1.2"
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Value == "array" && strings.HasSuffix(te.Field, ".value") {
		msg = fmt.Sprintf("%s is a list of values, not a string as HAR 1.2 requires (Polly.JS before 2.0 wrote headers so); "+
			"record it again with a current Polly.JS, or join each list into one string", "log."+strings.TrimPrefix(te.Field, "log."))
	}
	return &FormatError{File: name, Line: jsonErrorLine(data, err), Msg: msg}
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
	body, wire, err := e.Response.Content.body()
	if err != nil {
		return nil, fmt.Errorf("response.content: %w", err)
	}
	x := &Interaction{
		Request: Request{Method: e.Request.Method, URL: e.Request.URL, Host: u.Host,
			Headers: fromNV(e.Request.Headers)},
		Response: Response{Code: e.Response.Status, Body: body,
			Status:   strings.TrimSpace(strconv.Itoa(e.Response.Status) + " " + e.Response.StatusText),
			Headers:  fromNV(e.Response.Headers),
			Duration: time.Duration(math.Round(e.Time * float64(time.Millisecond)))},
	}
	x.Request.Proto, x.Request.ProtoMajor, x.Request.ProtoMinor = proto(e.Request.HTTPVersion)
	x.Response.Proto, x.Response.ProtoMajor, x.Response.ProtoMinor = proto(e.Response.HTTPVersion)
	x.Response.ContentLength = int64(len(body))
	if !wire && x.Response.Headers.Get("Content-Encoding") != "" {
		// HAR's content.text is the decoded body: the recorded encoding and
		// length no longer describe it, and replaying them would corrupt it.
		x.Response.Headers.Del("Content-Encoding")
		x.Response.Headers.Del("Content-Length")
	}
	if pd := e.Request.PostData; pd != nil {
		if err := requestBody(x, pd); err != nil {
			return nil, fmt.Errorf("request.postData: %w", err)
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, e.StartedDateTime); err == nil {
		x.RecordedAt = t.UTC()
	}
	return x, nil
}

// body returns the response body a HAR entry holds, and whether it is the
// body as sent on the wire (still content-encoded): faultline's `_encoded`
// and Polly.JS's `_isBinary` (a JSON list of hex chunks) say so.
func (c harContent) body() (string, bool, error) {
	switch {
	case c.IsBinary:
		var chunks []string
		if err := json.Unmarshal([]byte(c.Text), &chunks); err != nil {
			return "", false, errors.New("_isBinary text is not a list of hex chunks (Polly.JS's form)")
		}
		b, err := hex.DecodeString(strings.Join(chunks, ""))
		if err != nil {
			return "", false, fmt.Errorf("_isBinary text is not hexadecimal: %w", err)
		}
		return string(b), true, nil
	case c.Encoding == "base64":
		b, err := base64.StdEncoding.DecodeString(c.Text)
		if err != nil {
			return "", false, fmt.Errorf("text is not valid base64: %w", err)
		}
		return string(b), c.Encoded, nil
	}
	return c.Text, c.Encoded, nil
}

func requestBody(x *Interaction, pd *harPostData) error {
	x.Request.Body = pd.Text
	if pd.Encoding == "base64" {
		b, err := base64.StdEncoding.DecodeString(pd.Text)
		if err != nil {
			return fmt.Errorf("text is not valid base64: %w", err)
		}
		x.Request.Body = string(b)
	}
	if pd.Text == "" && len(pd.Params) > 0 { // some tools give form fields only
		form := url.Values{}
		for _, p := range pd.Params {
			form.Add(p.Name, p.Value)
		}
		x.Request.Body, x.Request.Form = form.Encode(), form
	}
	x.Request.ContentLength = int64(len(x.Request.Body))
	if x.Request.Headers.Get("Content-Type") == "" && pd.MimeType != "" && x.Request.Body != "" {
		x.Request.Headers.Set("Content-Type", pd.MimeType)
	}
	return nil
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
// HAR viewers. Bodies that are not UTF-8 are base64-encoded (a response's
// with `encoding: "base64"`, a request's with faultline's `_encoding`), a
// response body still content-encoded (gzip as sent) is marked `_encoded`,
// and the cassette's metadata goes into `log._faultline`, so that
// ImportHAR gives back the same cassette. Time and memory grow linearly
// with the cassette.
func ExportHAR(w io.Writer, c *Cassette) error {
	version := "dev"
	if c.Meta != nil && c.Meta.Version != "" {
		version = c.Meta.Version
	}
	h := harFile{Log: harLog{Version: "1.2", Creator: harCreator{Name: "faultline", Version: version}}}
	if c.Meta != nil {
		h.Log.Faultline = &harFaultline{Version: c.Meta.Version, Upstream: c.Meta.Upstream, RecordedAt: c.Meta.RecordedAt}
	}
	fallback := c.RecordedAt()
	h.Log.Entries = make([]harEntry, 0, len(c.Interactions))
	for _, x := range c.Interactions {
		h.Log.Entries = append(h.Log.Entries, toHAR(x, fallback))
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(h); err != nil {
		return fmt.Errorf("export HAR: %w", err)
	}
	if err := bw.Flush(); err != nil {
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
	e.Response.Content.Encoded = !x.Response.Uncompressed && x.Response.Headers.Get("Content-Encoding") != ""
	if x.Request.Body != "" {
		pd := &harPostData{MimeType: x.Request.Headers.Get("Content-Type"), Text: x.Request.Body}
		if !utf8.ValidString(x.Request.Body) {
			pd.Text, pd.Encoding = base64.StdEncoding.EncodeToString([]byte(x.Request.Body)), "base64"
		}
		e.Request.PostData = pd
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
