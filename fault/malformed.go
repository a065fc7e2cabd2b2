package fault

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

func init() { Register("malformed", decodeMalformed) }

// Malformed changes the upstream's contract without notice: it alters the
// JSON body the route would have sent.
type Malformed struct {
	// Mode is one of invalid_json, wrong_content_type, remove_field,
	// rename_field, change_type, null_field, empty_body.
	Mode string
	// Field is a dotted path into the JSON body ("data.amount").
	Field string
	// To is the new name for rename_field.
	To string
}

// Kind implements Fault.
func (Malformed) Kind() string { return "malformed" }

var malformedModes = []string{"invalid_json", "wrong_content_type", "remove_field", "rename_field", "change_type", "null_field", "empty_body"}

// Serve implements Fault.
func (m Malformed) Serve(w http.ResponseWriter, r *http.Request, c *Call) {
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

// editField applies a field-level mode to a JSON object body.
func (m Malformed) editField(body []byte) ([]byte, bool) {
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

func decodeMalformed(d *Decode) (Fault, error) {
	var m Malformed
	mf := struct {
		Mode  string `yaml:"mode"`
		Field string `yaml:"field"`
		To    string `yaml:"to"`
	}{}
	if err := d.Into(&mf); err != nil {
		return nil, err
	}
	m = Malformed{Mode: mf.Mode, Field: mf.Field, To: mf.To}
	if !contains(malformedModes, m.Mode) {
		return nil, d.ErrorfKey("mode", "%q: use one of %s", m.Mode, strings.Join(malformedModes, ", "))
	}
	if strings.HasSuffix(m.Mode, "_field") || m.Mode == "change_type" {
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
