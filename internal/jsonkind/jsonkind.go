// Package jsonkind names the JSON type of a value decoded by encoding/json
// (into any, with or without UseNumber), for messages and shape checks:
// "object", "array", "string", "number", "boolean" or "null".
package jsonkind

// Of names v's JSON type. Numbers arrive as float64 or json.Number; any
// type not listed counts as a number too.
func Of(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return "number"
}
