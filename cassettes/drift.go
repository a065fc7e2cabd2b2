package cassettes

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/faultline-dev/faultline/internal/jsonkind"
)

// Severity grades drift between a recording and the live API.
type Severity int

const (
	// SeverityNone: the live API answers like the recording.
	SeverityNone Severity = iota
	// SeverityAdditive: the live API returns more than was recorded (new
	// fields); clients that ignore unknown fields keep working.
	SeverityAdditive
	// SeverityBreaking: something a client may rely on changed or went away.
	SeverityBreaking
)

var severityNames = [...]string{"none", "additive", "breaking"}

func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("Severity(%d)", int(s))
	}
	return severityNames[s]
}

// MarshalText writes the severity's name in JSON and YAML reports.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Kinds of Difference.
const (
	DiffStatusClass   = "status-class"    // 2xx became 4xx, ...
	DiffContentType   = "content-type"    // media type changed
	DiffAdded         = "added"           // field only in the live response
	DiffRemoved       = "removed"         // field only in the recording
	DiffTypeChanged   = "type-changed"    // e.g. number became string, or a value became null
	DiffNullVsMissing = "null-vs-missing" // null on one side, absent on the other
)

// Difference is one change between recorded and live response. Path is a
// JSON path such as "$.data[].id"; Recorded and Live are types or values.
type Difference struct {
	Path     string   `json:"path"`
	Kind     string   `json:"kind"`
	Recorded string   `json:"recorded"`
	Live     string   `json:"live"`
	Severity Severity `json:"severity"`
}

// DriftResult is the comparison for one recorded interaction.
type DriftResult struct {
	Interaction Ref          `json:"interaction"`
	LiveStatus  int          `json:"live_status,omitempty"`
	Skipped     string       `json:"skipped,omitempty"` // why it was not re-sent
	Err         string       `json:"error,omitempty"`   // the live request failed
	Differences []Difference `json:"differences,omitempty"`
	Severity    Severity     `json:"severity"`
}

// UnsafeNotSent ends the Skipped reason of an interaction whose method is
// not safe (not GET, HEAD, OPTIONS or TRACE), left unsent because
// DriftOptions.IncludeUnsafe is off.
const UnsafeNotSent = "not sent: IncludeUnsafe is off"

// DriftOptions configure Drift.
type DriftOptions struct {
	// IncludeUnsafe re-sends POST, PUT, PATCH and DELETE too. Off by default:
	// they may change data on the live API.
	IncludeUnsafe bool
	// Header is added to every request, e.g. a live credential in place of
	// the redacted one.
	Header http.Header
}

var safeMethods = map[string]bool{"GET": true, "HEAD": true, "OPTIONS": true, "TRACE": true}

// Drift re-sends recorded requests to the live API and compares each answer
// with the recording: status class, media type, and the shape of JSON bodies
// (fields added, removed, changed in type, null versus missing). Values are
// not compared, so ids, timestamps and other volatile values never count as
// drift. base replaces the recorded scheme and host (nil keeps them). Only
// safe methods are sent unless opts.IncludeUnsafe. A request that fails is
// reported as breaking in its result; Drift itself fails only when ctx ends.
func Drift(ctx context.Context, c *Cassette, client *http.Client, base *url.URL, opts DriftOptions) ([]DriftResult, error) {
	if client == nil {
		client = http.DefaultClient
	}
	prefix := ""
	if c.Meta != nil {
		if u, err := url.Parse(c.Meta.Upstream); err == nil {
			prefix = strings.TrimSuffix(u.Path, "/")
		}
	}
	results := make([]DriftResult, 0, len(c.Interactions))
	for _, it := range c.Interactions {
		if err := ctx.Err(); err != nil {
			return results, fmt.Errorf("drift: %w", err)
		}
		res := DriftResult{Interaction: it.ref()}
		if !safeMethods[it.Request.Method] && !opts.IncludeUnsafe {
			res.Skipped = it.Request.Method + " is not a safe method; " + UnsafeNotSent
			results = append(results, res)
			continue
		}
		live, body, err := resend(ctx, client, it, base, prefix, opts.Header)
		if err != nil {
			if ctx.Err() != nil {
				return results, fmt.Errorf("drift: %w", ctx.Err())
			}
			res.Err, res.Severity = err.Error(), SeverityBreaking
			results = append(results, res)
			continue
		}
		res.LiveStatus = live.StatusCode
		res.Differences = compareResponses(&it.Response, live, body)
		for _, d := range res.Differences {
			res.Severity = max(res.Severity, d.Severity)
		}
		results = append(results, res)
	}
	return results, nil
}

// WorstSeverity is the highest severity among results.
func WorstSeverity(results []DriftResult) Severity {
	s := SeverityNone
	for _, r := range results {
		s = max(s, r.Severity)
	}
	return s
}

func resend(ctx context.Context, client *http.Client, it *Interaction, base *url.URL, prefix string, extra http.Header) (*http.Response, []byte, error) {
	target, err := liveURL(it.Request.URL, base, prefix)
	if err != nil {
		return nil, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, it.Request.Method, target, bytes.NewReader([]byte(it.Request.Body)))
	if err != nil {
		return nil, nil, fmt.Errorf("build request: %w", err)
	}
	for k, vs := range it.Request.Headers {
		for _, v := range vs {
			if !strings.Contains(v, Placeholder) {
				req.Header.Add(k, v)
			}
		}
	}
	for _, k := range append(hopHeaders, "Content-Length", "Host", "Accept-Encoding") {
		req.Header.Del(k)
	}
	for k, vs := range extra {
		req.Header[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, nil, fmt.Errorf("read live response: %w", err)
	}
	return resp, body, nil
}

// liveURL points a recorded URL at base, dropping redacted query values.
func liveURL(recorded string, base *url.URL, prefix string) (string, error) {
	u, err := url.Parse(recorded)
	if err != nil {
		return "", fmt.Errorf("recorded url %q: %w", recorded, err)
	}
	q := u.Query()
	for k, vs := range q {
		if allPlaceholder(vs) {
			q.Del(k)
		}
	}
	if len(q) != len(u.Query()) {
		u.RawQuery = q.Encode()
	}
	if base != nil {
		p := stripBase(u.Path, prefix)
		u.Scheme, u.Host, u.User = base.Scheme, base.Host, base.User
		u.Path, u.RawPath = strings.TrimSuffix(base.Path, "/")+p, ""
	}
	return u.String(), nil
}

func compareResponses(rec *Response, live *http.Response, body []byte) []Difference {
	var diffs []Difference
	if rc, lc := rec.Code/100, live.StatusCode/100; rc != lc {
		return append(diffs, Difference{Path: "status", Kind: DiffStatusClass,
			Recorded: fmt.Sprintf("%dxx (%d)", rc, rec.Code), Live: fmt.Sprintf("%dxx (%d)", lc, live.StatusCode), Severity: SeverityBreaking})
	}
	rt, lt := mediaType(rec.Headers.Get("Content-Type")), mediaType(live.Header.Get("Content-Type"))
	if rt != lt {
		diffs = append(diffs, Difference{Path: "content-type", Kind: DiffContentType, Recorded: rt, Live: lt, Severity: SeverityBreaking})
	}
	rv, rok := parseJSON([]byte(rec.Body))
	lv, lok := parseJSON(body)
	if rok && lok {
		compareShape(rv, lv, "$", &diffs)
	}
	return diffs
}

func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(ct))
	}
	return mt
}

// compareShape compares types and fields, never values.
func compareShape(rec, live any, path string, out *[]Difference) {
	if s, ok := rec.(string); ok && strings.Contains(s, Placeholder) {
		return // redacted: its type was not recorded
	}
	rt, lt := jsonkind.Of(rec), jsonkind.Of(live)
	switch {
	case rt == "null":
		return // a null field may hold any type later
	case rt != lt:
		*out = append(*out, Difference{Path: path, Kind: DiffTypeChanged, Recorded: rt, Live: lt, Severity: SeverityBreaking})
	case rt == "object":
		compareObjects(rec.(map[string]any), live.(map[string]any), path, out)
	case rt == "array":
		re, le := elementShape(rec.([]any)), elementShape(live.([]any))
		if re != nil && le != nil {
			compareShape(re, le, path+"[]", out)
		}
	}
}

func compareObjects(rec, live map[string]any, path string, out *[]Difference) {
	for _, k := range sortedKeys(rec) {
		sub := path + "." + k
		lv, ok := live[k]
		switch {
		case !ok && rec[k] == nil:
			*out = append(*out, Difference{Path: sub, Kind: DiffNullVsMissing, Recorded: "null", Live: "missing", Severity: SeverityBreaking})
		case !ok:
			*out = append(*out, Difference{Path: sub, Kind: DiffRemoved, Recorded: jsonkind.Of(rec[k]), Live: "missing", Severity: SeverityBreaking})
		default:
			compareShape(rec[k], lv, sub, out)
		}
	}
	for _, k := range sortedKeys(live) {
		if _, ok := rec[k]; ok {
			continue
		}
		d := Difference{Path: path + "." + k, Kind: DiffAdded, Recorded: "missing", Live: jsonkind.Of(live[k]), Severity: SeverityAdditive}
		if live[k] == nil {
			d.Kind = DiffNullVsMissing
		}
		*out = append(*out, d)
	}
}

// elementShape merges the elements of an array into one representative:
// objects are merged field by field (first non-null value wins); otherwise
// the first non-null element. Nil for an empty array.
func elementShape(a []any) any {
	var merged map[string]any
	var first any
	for _, e := range a {
		if first == nil {
			first = e
		}
		obj, ok := e.(map[string]any)
		if !ok {
			continue
		}
		if merged == nil {
			merged = map[string]any{}
		}
		for _, k := range sortedKeys(obj) {
			if merged[k] == nil {
				merged[k] = obj[k]
			}
		}
	}
	if merged != nil {
		return merged
	}
	return first
}
