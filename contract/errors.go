package contract

import (
	"encoding/json"
	"strconv"
	"strings"

	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// providerError renders the operation's documented error response for
// status (the exact code, then 4XX, then default) with the message and
// field filled into the properties named for them.
func (s *Spec) providerError(op *Operation, status int, msg string, v Violation) ([]byte, bool) {
	resp := errorResponse(op.op, status)
	if resp == nil || resp.Content == nil || resp.Content.Len() == 0 {
		return nil, false
	}
	ct, mt := pickMedia(resp.Content)
	if !isJSON(ct) || mt.Schema == nil || mt.Schema.Schema() == nil {
		return nil, false
	}
	var doc any
	if json.Unmarshal(s.render(mt.Schema.Schema(), 0, true), &doc) != nil {
		return nil, false
	}
	if !fillError(doc, msg, v.Field, 0) {
		return nil, false
	}
	out, err := json.Marshal(doc)
	return out, err == nil
}

func errorResponse(op *v3.Operation, status int) *v3.Response {
	if op.Responses == nil {
		return nil
	}
	if op.Responses.Codes != nil {
		for _, k := range []string{strconv.Itoa(status), strconv.Itoa(status/100) + "XX", strconv.Itoa(status/100) + "xx"} {
			if r := op.Responses.Codes.GetOrZero(k); r != nil {
				return r
			}
		}
	}
	return op.Responses.Default
}

var (
	messageKeys = []string{"message", "detail", "error_description", "description", "title", "msg", "error"}
	fieldKeys   = []string{"param", "field", "parameter", "pointer", "path", "location", "source"}
)

// fillError writes msg into the first message-like string property and
// the field into the first field-like one, searching two levels deep
// ({"error": {"message", "param"}} as OpenAI and Stripe answer). It
// reports whether a message property was found.
func fillError(doc any, msg, field string, depth int) bool {
	obj, ok := doc.(map[string]any)
	if !ok || depth > 2 {
		return false
	}
	found := false
	for _, k := range messageKeys {
		if _, isStr := obj[k].(string); isStr {
			obj[k], found = msg, true
			break
		}
	}
	for _, k := range fieldKeys {
		if _, isStr := obj[k].(string); isStr && field != "" {
			obj[k] = field
			break
		}
	}
	if found {
		return true
	}
	for k, x := range obj {
		if strings.Contains(strings.ToLower(k), "error") || depth == 0 {
			if fillError(x, msg, field, depth+1) {
				return true
			}
		}
	}
	return false
}
