package fault

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
)

func init() { register("malformed", decodeMalformed) }

// malformedFault changes the upstream's contract without notice: it alters the
// JSON body the route would have sent.
type malformedFault struct {
	// Mode is one of invalid_json, wrong_content_type, remove_field,
	// rename_field, change_type, null_field, empty_body; or one of the
	// contract modes, which need a spec to know the schema (a [Mutator]):
	// unlisted_enum (an enum value the spec does not list yet),
	// added_field, null_nullable (a nullable field sent as null) and
	// drop_deprecated (a deprecated field gone).
	Mode string
	// Field is a dotted path into the JSON body ("data.amount"); contract
	// modes pick a fitting field by the seed when it is empty.
	Field string
	// To is the new name for rename_field.
	To string
}

// Kind implements Fault.
func (malformedFault) Kind() string { return "malformed" }

var malformedModes = []string{"invalid_json", "wrong_content_type", "remove_field", "rename_field", "change_type", "null_field", "empty_body",
	"unlisted_enum", "added_field", "null_nullable", "drop_deprecated"}

// contractModes are the modes a Mutator performs.
var contractModes = []string{"unlisted_enum", "added_field", "null_nullable", "drop_deprecated"}

// Mutator rewrites a response body the way providers change a contract
// without notice, guided by the schema a spec documents for it. The
// malformed fault's contract modes call it; a spec layer supplies it with
// [WithMutator]. It returns the new body and the field it changed, or ok
// false when the response has no field that fits (e.g. no enum).
type Mutator interface {
	Mutate(r *http.Request, mode, field string, status int, body []byte, rnd *rand.Rand) (out []byte, changed string, ok bool)
}

// Serve implements Fault.
func (m malformedFault) Serve(w http.ResponseWriter, r *http.Request, c *Call) {
	resp := capture(c.Next, r)
	c.Note("malformed", "mode", m.Mode)
	switch m.Mode {
	case "invalid_json":
		cut := max(1, len(resp.body)/2)
		resp.body = append(append([]byte{}, resp.body[:min(cut, len(resp.body))]...), []byte(`,"oops":`)...)
	case "wrong_content_type":
		resp.header.Set("Content-Type", "text/html; charset=utf-8")
	case "empty_body":
		resp.body = nil
	case "unlisted_enum", "added_field", "null_nullable", "drop_deprecated":
		m.mutate(resp, r, c)
	default:
		if body, ok := m.editField(resp.body); ok {
			resp.body = body
			c.Note("malformed", "field", m.Field)
		} else {
			c.Note("malformed", "field_missing", m.Field)
		}
	}
	resp.writeHeader(w)
	_, _ = w.Write(resp.body)
}

// mutate applies a contract mode through the handler's Mutator.
func (m malformedFault) mutate(resp *captured, r *http.Request, c *Call) {
	if c.mutator == nil {
		c.Note("malformed", "skipped", "mode "+m.Mode+" needs a spec (upstream.spec)")
		return
	}
	out, field, ok := c.mutator.Mutate(r, m.Mode, m.Field, resp.status, resp.body, c.Rand)
	if !ok {
		c.Note("malformed", "field_missing", orDefault(m.Field, "(none fits)"))
		return
	}
	resp.body = out
	resp.header.Del("Content-Length")
	c.Note("malformed", "field", field)
}

// editField applies a field-level mode to a JSON object body.
func (m malformedFault) editField(body []byte) ([]byte, bool) {
	var doc any
	if json.Unmarshal(body, &doc) != nil {
		return body, false
	}
	parts := strings.Split(m.Field, ".")
	parent, ok := walk(doc, parts[:len(parts)-1])
	if !ok {
		return body, false
	}
	leaf := parts[len(parts)-1]
	v, ok := parent[leaf]
	if !ok {
		return body, false
	}
	switch m.Mode {
	case "remove_field":
		delete(parent, leaf)
	case "rename_field":
		delete(parent, leaf)
		parent[m.To] = v
	case "null_field":
		parent[leaf] = nil
	case "change_type":
		parent[leaf] = changeType(v)
	}
	out, err := json.Marshal(doc)
	return out, err == nil
}

func walk(doc any, path []string) (map[string]any, bool) {
	obj, ok := doc.(map[string]any)
	for _, p := range path {
		if !ok {
			return nil, false
		}
		obj, ok = obj[p].(map[string]any)
	}
	return obj, ok
}

// changeType turns a value into one of another JSON type.
func changeType(v any) any {
	switch t := v.(type) {
	case string:
		return 12345
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case bool:
		return "true"
	case []any:
		return map[string]any{"items": t}
	case map[string]any:
		return []any{t}
	}
	return "changed"
}

func decodeMalformed(d *params) (Fault, error) {
	var m malformedFault
	mf := struct {
		Mode  string `yaml:"mode"`
		Field string `yaml:"field"`
		To    string `yaml:"to"`
	}{}
	if err := d.Into(&mf); err != nil {
		return nil, err
	}
	m = malformedFault{Mode: mf.Mode, Field: mf.Field, To: mf.To}
	if !contains(malformedModes, m.Mode) {
		return nil, d.ErrorfKey("mode", "%q: use one of %s", m.Mode, strings.Join(malformedModes, ", "))
	}
	if (strings.HasSuffix(m.Mode, "_field") || m.Mode == "change_type") && !contains(contractModes, m.Mode) {
		if m.Field == "" {
			return nil, d.Errorf("mode %s needs field: the dotted path of a JSON field, e.g. data.amount", m.Mode)
		}
	}
	if m.Mode == "rename_field" && m.To == "" {
		return nil, d.Errorf("mode rename_field needs to: the new field name")
	}
	return m, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
