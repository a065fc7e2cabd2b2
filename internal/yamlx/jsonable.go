package yamlx

import "fmt"

// JSONable turns a value decoded from YAML into the shapes encoding/json
// accepts: a map[any]any (YAML allows any scalar as a key) becomes a
// map[string]any keyed by each key's text, inside maps and slices too.
// Maps and slices of the right shape are changed in place.
func JSONable(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			t[k] = JSONable(x)
		}
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[fmt.Sprint(k)] = JSONable(x)
		}
		return m
	case []any:
		for i, x := range t {
			t[i] = JSONable(x)
		}
	}
	return v
}
