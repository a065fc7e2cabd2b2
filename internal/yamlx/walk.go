package yamlx

import (
	"errors"
	"fmt"
	"reflect"

	"gopkg.in/yaml.v3"
)

// visitFunc looks at one value of a document and the Go type it decodes
// into, at its key path.
type visitFunc func(n *yaml.Node, t reflect.Type, path string) error

// walk calls visit for n and for every value below it that t describes
// (struct fields by their yaml keys, list items, mapping values), and joins
// what the calls return. It stops at raw yaml.Node fields and at types that
// decode themselves, and skips keys t has no field for.
func walk(n *yaml.Node, t reflect.Type, path string, visit visitFunc) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	n = Unalias(n)
	if n == nil || t == nil || t == nodeType || reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil // raw nodes are decoded later; other types decode themselves
	}
	errs := []error{visit(n, t, path)}
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		fields := structFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			if ft := fields[n.Content[i].Value]; ft != nil {
				errs = append(errs, walk(n.Content[i+1], ft, join(path, n.Content[i].Value), visit))
			}
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, c := range n.Content {
			errs = append(errs, walk(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i), visit))
		}
	case t.Kind() == reflect.Map && n.Kind == yaml.MappingNode:
		for i := 1; i < len(n.Content); i += 2 {
			errs = append(errs, walk(n.Content[i], t.Elem(), join(path, n.Content[i-1].Value), visit))
		}
	}
	return errors.Join(errs...)
}
