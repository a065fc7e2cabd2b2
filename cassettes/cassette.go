package cassettes

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/faultline-dev/faultline/internal/yamlx"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/faultline-dev/faultline/internal/atomicfile"
)

// FormatVersion is the cassette format faultline reads and writes: go-vcr's
// version 2.
const FormatVersion = 2

var (
	// ErrInvalidCassette is wrapped by every *FormatError: the file exists but
	// is not a usable cassette (corrupt, truncated, wrong version).
	ErrInvalidCassette = errors.New("invalid cassette")

	// ErrEmptyCassette is returned instead of writing a cassette with no
	// interactions.
	ErrEmptyCassette = errors.New("no interactions to save")

	// ErrExpired is wrapped by (*Cassette).CheckAge when the recording is older
	// than allowed.
	ErrExpired = errors.New("cassette expired")
)

// FormatError reports a cassette file that cannot be used, with the line
// where the problem was found (0 when unknown). It wraps ErrInvalidCassette.
type FormatError struct {
	File string
	Line int
	Msg  string
}

func (e *FormatError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Unwrap makes errors.Is(err, ErrInvalidCassette) true.
func (e *FormatError) Unwrap() error { return ErrInvalidCassette }

// Cassette is a recording: the interactions in recorded order plus
// faultline's metadata. Its YAML form is go-vcr v3's (version 2); the extra
// `faultline` and `recorded_at` keys are ignored by go-vcr's loader.
type Cassette struct {
	Version      int            `yaml:"version"`
	Meta         *Meta          `yaml:"faultline,omitempty"`
	Interactions []*Interaction `yaml:"interactions"`

	modTime time.Time // file modification time, when loaded from disk
}

// Meta is what faultline adds to a cassette.
type Meta struct {
	Version    string    `yaml:"version"`            // faultline version that wrote the file
	RecordedAt time.Time `yaml:"recorded_at"`        // when the file was written
	Upstream   string    `yaml:"upstream,omitempty"` // base URL the recording proxy forwarded to
}

// Interaction is one recorded request and its response.
type Interaction struct {
	ID         int       `yaml:"id"`
	Request    Request   `yaml:"request"`
	Response   Response  `yaml:"response"`
	RecordedAt time.Time `yaml:"recorded_at,omitempty"`
}

// Request is a recorded request, field for field go-vcr's cassette.Request.
type Request struct {
	Proto            string      `yaml:"proto"`
	ProtoMajor       int         `yaml:"proto_major"`
	ProtoMinor       int         `yaml:"proto_minor"`
	ContentLength    int64       `yaml:"content_length"`
	TransferEncoding []string    `yaml:"transfer_encoding"`
	Trailer          http.Header `yaml:"trailer"`
	Host             string      `yaml:"host"`
	RemoteAddr       string      `yaml:"remote_addr"`
	RequestURI       string      `yaml:"request_uri"`
	Body             string      `yaml:"body"`
	Form             url.Values  `yaml:"form"`
	Headers          http.Header `yaml:"headers"`
	URL              string      `yaml:"url"`
	Method           string      `yaml:"method"`
}

// Response is a recorded response, field for field go-vcr's cassette.Response.
type Response struct {
	Proto            string        `yaml:"proto"`
	ProtoMajor       int           `yaml:"proto_major"`
	ProtoMinor       int           `yaml:"proto_minor"`
	TransferEncoding []string      `yaml:"transfer_encoding"`
	Trailer          http.Header   `yaml:"trailer"`
	ContentLength    int64         `yaml:"content_length"`
	Uncompressed     bool          `yaml:"uncompressed"`
	Body             string        `yaml:"body"`
	Headers          http.Header   `yaml:"headers"`
	Status           string        `yaml:"status"`
	Code             int           `yaml:"code"`
	Duration         time.Duration `yaml:"duration"`
}

// Ref names an interaction in messages and reports.
type Ref struct {
	ID     int    `json:"id"`
	Method string `json:"method"`
	URL    string `json:"url"`
}

func (i *Interaction) ref() Ref {
	return Ref{ID: i.ID, Method: i.Request.Method, URL: i.Request.URL}
}

// Load reads and validates a cassette file. A file that exists but cannot be
// used gives a *FormatError naming the file and line.
func Load(path string) (*Cassette, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load cassette: %w", err)
	}
	c, err := decode(path, data)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(path); err == nil {
		c.modTime = fi.ModTime()
	}
	return c, nil
}

var yamlLine = regexp.MustCompile(`line (\d+): (.*)`)

// yamlError turns a yaml.v3 error into a FormatError with its line.
func yamlError(file string, err error) error {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	fe := &FormatError{File: file, Msg: msg}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		fe.Line, _ = strconv.Atoi(m[1])
		fe.Msg = m[2]
	}
	fe.Msg += "; fix the file or record it again"
	return fe
}

func decode(file string, data []byte) (*Cassette, error) {
	c, _, err := decodeTree(file, data)
	return c, err
}

// decodeTree is decode that also returns the parsed tree, for positions.
func decodeTree(file string, data []byte) (*Cassette, *yaml.Node, error) {
	root, err := oneDocument(file, data)
	if err != nil {
		return nil, nil, err
	}
	c, err := decodeRoot(file, root)
	return c, root, err
}

func decodeRoot(file string, root *yaml.Node) (*Cassette, error) {
	if root.Kind != yaml.MappingNode {
		return nil, &FormatError{File: file, Line: root.Line,
			Msg: "not a cassette: expected a mapping with `version` and `interactions`"}
	}
	if err := checkVersion(file, root); err != nil {
		return nil, err
	}
	seq := yamlx.MapValue(root, "interactions")
	if seq != nil && seq.Kind == yaml.SequenceNode {
		if err := normalizeInteractions(file, seq); err != nil {
			return nil, err
		}
	}
	c := &Cassette{}
	if err := yamlx.WholeNumbers(file, root, c, ""); err != nil {
		var ye *yamlx.Error
		errors.As(yamlx.Unjoin(err)[0], &ye)
		return nil, &FormatError{File: file, Line: ye.Line, Msg: ye.Msg + "; fix the file or record it again"}
	}
	if err := root.Decode(c); err != nil {
		return nil, yamlError(file, err)
	}
	c.Version = FormatVersion // older generations are read as the current one
	if len(c.Interactions) == 0 || seq == nil || seq.Kind != yaml.SequenceNode {
		return nil, &FormatError{File: file, Line: keyLine(root, "interactions"),
			Msg: "cassette has no interactions; the file may be truncated: record it again"}
	}
	ids := map[int]bool{}
	for n, it := range c.Interactions {
		if err := validate(it); err != nil {
			return nil, &FormatError{File: file, Line: seq.Content[n].Line,
				Msg: fmt.Sprintf("interaction %d: %v; the file may be truncated: fix it or record it again", n, err)}
		}
		ids[it.ID] = true
	}
	if len(ids) < len(c.Interactions) {
		// Hand-written or go-vcr files may leave ids out (all 0): number by
		// position, so messages and reports can name each interaction.
		for n, it := range c.Interactions {
			it.ID = n
		}
	}
	return c, nil
}

// oneDocument parses data as exactly one YAML document and returns its top
// node: a second document (after `---`) would be silently ignored by a
// YAML decoder, so it is an error here.
func oneDocument(file string, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &FormatError{File: file, Line: 1, Msg: "file is empty; record the cassette again"}
		}
		return nil, yamlError(file, err)
	}
	if len(doc.Content) == 0 {
		return nil, &FormatError{File: file, Line: 1, Msg: "file is empty; record the cassette again"}
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
		return doc.Content[0], nil
	case err != nil:
		return nil, yamlError(file, err)
	}
	line := next.Line
	if len(next.Content) > 0 {
		line = next.Content[0].Line
	}
	return nil, &FormatError{File: file, Line: line,
		Msg: "a second YAML document follows the cassette; a cassette is one document: remove it or split the file"}
}

// Versions of the go-vcr format faultline reads: 1 (go-vcr v1 and v2) and
// 2 (go-vcr v3 and v4). It always writes FormatVersion.
var readable = map[int]bool{1: true, 2: true}

func checkVersion(file string, root *yaml.Node) error {
	v := yamlx.MapValue(root, "version")
	n, err := 0, error(nil)
	if v != nil {
		n, err = strconv.Atoi(v.Value)
	}
	if v == nil || err != nil || !readable[n] {
		got := "missing"
		if v != nil {
			got = strconv.Quote(v.Value)
		}
		return &FormatError{File: file, Line: keyLine(root, "version"),
			Msg: fmt.Sprintf("cassette version %s is not supported; faultline reads go-vcr cassettes of version 1 (go-vcr v1, v2) and 2 (go-vcr v3, v4)", got)}
	}
	return nil
}

// normalizeInteractions rewrites, in the parsed tree, what older go-vcr
// generations wrote differently, so that one decoder reads them all:
// `duration: ""` or null (v1) is zero, a bare number is nanoseconds, and a
// response without `code` takes it from `status` ("200 OK").
func normalizeInteractions(file string, seq *yaml.Node) error {
	for _, it := range seq.Content {
		resp := yamlx.MapValue(it, "response")
		if it.Kind != yaml.MappingNode || resp == nil || resp.Kind != yaml.MappingNode {
			continue
		}
		if d := yamlx.MapValue(resp, "duration"); d != nil {
			if err := normalizeDuration(file, d); err != nil {
				return err
			}
		}
		if yamlx.MapValue(resp, "code") == nil {
			if st := yamlx.MapValue(resp, "status"); st != nil && st.Kind == yaml.ScalarNode {
				code, _, _ := strings.Cut(strings.TrimSpace(st.Value), " ")
				resp.Content = append(resp.Content,
					&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "code"},
					&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: code, Line: st.Line, Column: st.Column})
			}
		}
	}
	return nil
}

func normalizeDuration(file string, d *yaml.Node) error {
	if d.Kind != yaml.ScalarNode {
		return &FormatError{File: file, Line: d.Line, Msg: "response.duration is not a duration; write it like 120ms"}
	}
	v := strings.TrimSpace(d.Value)
	switch {
	case v == "" || d.Tag == "!!null":
		v = "0s"
	case d.Tag == "!!int":
		ns, err := strconv.ParseInt(v, 0, 64)
		if err != nil {
			return &FormatError{File: file, Line: d.Line, Msg: fmt.Sprintf("response.duration %s is out of range", v)}
		}
		v = time.Duration(ns).String()
	default:
		if _, err := time.ParseDuration(v); err != nil {
			return &FormatError{File: file, Line: d.Line,
				Msg: fmt.Sprintf("response.duration %q is not a duration; write it like 120ms", d.Value)}
		}
	}
	d.Kind, d.Tag, d.Value, d.Style = yaml.ScalarNode, "!!str", v, 0
	return nil
}

func validate(it *Interaction) error {
	if it == nil {
		return errors.New("empty entry")
	}
	if it.Request.Method == "" {
		return errors.New("request.method is missing")
	}
	if _, err := url.Parse(it.Request.URL); err != nil || it.Request.URL == "" {
		return fmt.Errorf("request.url %q is not a URL", it.Request.URL)
	}
	if it.Response.Code < 200 || it.Response.Code > 599 {
		return fmt.Errorf("response.code %d is not a final HTTP status, 200-599 (missing response?)", it.Response.Code)
	}
	return nil
}

func keyLine(m *yaml.Node, key string) int {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i].Line
		}
	}
	return m.Line
}

// Save writes the cassette atomically: a temporary file in the same folder,
// fsync, then rename over path. A crash at any moment leaves either the old
// file or the new one, and a temporary file a killed save left behind is
// removed by the next. An empty cassette is never written
// (ErrEmptyCassette). While a Recorder records into path, Save fails with
// ErrLocked rather than lose its recordings or have them overwrite these.
func (c *Cassette) Save(path string) error {
	if len(c.Interactions) == 0 {
		return fmt.Errorf("save %s: %w: no request reached the recorder", path, ErrEmptyCassette)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	l, err := lock(path)
	if err != nil {
		return fmt.Errorf("save: %w", err)
	}
	defer l.unlock()
	return c.save(path)
}

// save writes the cassette; the caller holds its lock.
func (c *Cassette) save(path string) error {
	var buf bytes.Buffer
	buf.WriteString("---\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(4)
	if c.Version == 0 {
		c.Version = FormatVersion
	}
	if err := enc.Encode(c); err != nil {
		return fmt.Errorf("save %s: encode: %w", path, err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("save %s: encode: %w", path, err)
	}
	cleanTemps(path)
	if err := atomicfile.Write(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	return nil
}

// RecordedAt reports when the recording was made: the oldest interaction's
// recorded_at, else the metadata's time, else the file's modification time
// (go-vcr v3 cassettes carry no time).
func (c *Cassette) RecordedAt() time.Time {
	var oldest time.Time
	for _, it := range c.Interactions {
		if !it.RecordedAt.IsZero() && (oldest.IsZero() || it.RecordedAt.Before(oldest)) {
			oldest = it.RecordedAt
		}
	}
	switch {
	case !oldest.IsZero():
		return oldest
	case c.Meta != nil && !c.Meta.RecordedAt.IsZero():
		return c.Meta.RecordedAt
	default:
		return c.modTime
	}
}

// CheckAge returns an error wrapping ErrExpired when the recording is older
// than maxAge at now. A maxAge of zero disables the check.
func (c *Cassette) CheckAge(maxAge time.Duration, now time.Time) error {
	at := c.RecordedAt()
	if maxAge <= 0 || at.IsZero() {
		return nil
	}
	if age := now.Sub(at); age > maxAge {
		return fmt.Errorf("%w: recorded %s, %s ago, more than the allowed %s; record it again with `faultline record`",
			ErrExpired, at.UTC().Format(time.RFC3339), age.Round(time.Second), maxAge)
	}
	return nil
}
