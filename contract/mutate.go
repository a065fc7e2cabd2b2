package contract

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/pb33f/libopenapi/datamodel/high/base"
)

// Mutate rewrites a response body the way a provider changes its contract
// without notice, guided by the schema the spec documents for the
// response (it implements fault.Mutator for the malformed fault):
//
//   - unlisted_enum: a field with an enum gets a value the spec does not list
//   - added_field: an object gains a field the spec does not document
//   - null_nullable: a nullable field is sent as null
//   - drop_deprecated: a field the spec marks deprecated is gone
//
// field, when set, is the dotted path to change ("data.status",
// "items[0].kind"); otherwise rnd picks among the fields that fit. It
// reports the field changed, or ok false when none fits.
func (s *Spec) Mutate(r *http.Request, mode, field string, status int, body []byte, rnd *rand.Rand) ([]byte, string, bool) {
	op := s.Find(r)
	if op == nil {
		return body, "", false
	}
	schema := responseSchema(op, status)
	var doc any
	if schema == nil || json.Unmarshal(body, &doc) != nil {
		return body, "", false
	}
	var cands []slot
	collect(doc, schema, "", nil, "", 0, &cands)
	cands = fitting(cands, mode, field)
	if len(cands) == 0 {
		return body, "", false
	}
	c := cands[rnd.IntN(len(cands))]
	doc = c.apply(doc, mode)
	out, err := json.Marshal(doc)
	if err != nil {
		return body, "", false
	}
	return out, c.path, true
}

// slot is one value of the body with the schema that describes it and
// where it sits (parent object and key, or nothing for the root).
type slot struct {
	path   string
	schema *base.Schema
	parent map[string]any
	key    string
	value  any
}

func responseSchema(op *Operation, status int) *base.Schema {
	resp := errorResponse(op.op, status)
	if status < 400 {
		if code, r := successResponse(op.op); code == status || resp == nil {
			resp = r
		}
	}
	if resp == nil || resp.Content == nil || resp.Content.Len() == 0 {
		return nil
	}
	_, mt := pickMedia(resp.Content)
	if mt.Schema == nil {
		return nil
	}
	return mt.Schema.Schema()
}

// collect walks the body beside its schema (properties, allOf, the first
// array item) down to a bounded depth.
func collect(v any, s *base.Schema, path string, parent map[string]any, key string, depth int, out *[]slot) {
	if s == nil || depth > 6 {
		return
	}
	*out = append(*out, slot{path: path, schema: s, parent: parent, key: key, value: v})
	switch t := v.(type) {
	case map[string]any:
		props := properties(s)
		names := make([]string, 0, len(t))
		for k := range t {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			if ps, ok := props[k]; ok {
				collect(t[k], ps, join(path, k), t, k, depth+1, out)
			}
		}
	case []any:
		if len(t) > 0 && s.Items != nil && s.Items.IsA() {
			collect(t[0], s.Items.A.Schema(), path+"[0]", nil, "", depth+1, out)
		}
	}
}

// properties merges a schema's properties with those of its allOf parts.
func properties(s *base.Schema) map[string]*base.Schema {
	out := map[string]*base.Schema{}
	if s.Properties != nil {
		for p := s.Properties.First(); p != nil; p = p.Next() {
			out[p.Key()] = p.Value().Schema()
		}
	}
	for _, part := range s.AllOf {
		if ps := part.Schema(); ps != nil {
			for k, v := range properties(ps) {
				out[k] = v
			}
		}
	}
	return out
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// fitting keeps the slots a mode can change (at field, when given).
func fitting(all []slot, mode, field string) []slot {
	var out []slot
	for _, c := range all {
		if field != "" && c.path != field {
			continue
		}
		if fits(c, mode) {
			out = append(out, c)
		}
	}
	return out
}

func fits(c slot, mode string) bool {
	switch mode {
	case "unlisted_enum":
		return c.parent != nil && len(c.schema.Enum) > 0 && isString(c.value)
	case "added_field":
		_, obj := c.value.(map[string]any)
		return obj
	case "null_nullable":
		return c.parent != nil && c.value != nil && nullable(c.schema)
	case "drop_deprecated":
		return c.parent != nil && c.schema.Deprecated != nil && *c.schema.Deprecated
	}
	return false
}

func isString(v any) bool { _, ok := v.(string); return ok }

func nullable(s *base.Schema) bool {
	if s.Nullable != nil && *s.Nullable {
		return true
	}
	for _, t := range s.Type {
		if t == "null" {
			return true
		}
	}
	return false
}

// apply changes the slot and returns the (possibly new) document root.
func (c slot) apply(doc any, mode string) any {
	switch mode {
	case "unlisted_enum":
		c.parent[c.key] = unlisted(c.schema)
	case "added_field":
		obj := c.value.(map[string]any)
		name := "faultline_added"
		for i := 2; obj[name] != nil; i++ {
			name = "faultline_added_" + strconv.Itoa(i)
		}
		obj[name] = "a field this spec does not document"
	case "null_nullable":
		c.parent[c.key] = nil
	case "drop_deprecated":
		delete(c.parent, c.key)
	}
	return doc
}

// unlisted is a value shaped like the enum's but not in it.
func unlisted(s *base.Schema) string {
	listed := map[string]bool{}
	for _, e := range s.Enum {
		listed[strings.TrimSpace(e.Value)] = true
	}
	v := "faultline_new_value"
	for i := 2; listed[v]; i++ {
		v = "faultline_new_value_" + strconv.Itoa(i)
	}
	return v
}
