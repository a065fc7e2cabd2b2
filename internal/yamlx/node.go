package yamlx

import (
	"errors"
	"fmt"

	"gopkg.in/yaml.v3"
)

// Unalias returns the node an alias (*name) stands for, or n itself, so
// that anchors shared between routes, faults, calls or checks read like
// the values they repeat.
func Unalias(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// MapValue returns the value of key in the mapping n (following aliases,
// so `calls: *routes` yields the anchored list), or nil when n is not a
// mapping or has no such key.
func MapValue(n *yaml.Node, key string) *yaml.Node {
	n = Unalias(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return Unalias(n.Content[i+1])
		}
	}
	return nil
}

// At returns the value of key in the mapping n, or n itself when key is
// absent: where an error about that key points.
func At(n *yaml.Node, key string) *yaml.Node {
	if v := MapValue(n, key); v != nil {
		return v
	}
	return n
}

// Value is one YAML value of a file being decoded, as a registered decoder
// (a fault's parameters, a check's) receives it: strict decoding and errors
// at its position, named by its key path.
type Value struct {
	File *File
	Node *yaml.Node // the value; may be a null node, as for "reset:"
	Path string     // its key path, e.g. routes[0].faults[1].latency
}

// Into decodes a mapping of parameters strictly into out (a pointer to a
// struct with yaml tags). A null value decodes to nothing.
func (v *Value) Into(out any) error {
	n := Unalias(v.Node)
	if n == nil || n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return v.Errorf("expected a mapping of parameters, got %q", n.Value)
	}
	return v.File.Decode(n, out, v.Path)
}

// Errorf reports a problem with the value at its position.
func (v *Value) Errorf(format string, args ...any) error {
	return Errorf(v.File.Name, v.Node, "%s: %s", v.Path, fmt.Sprintf(format, args...))
}

// ErrorfKey reports a problem with one key of the value at that key's
// value (or at the value itself when the key is absent).
func (v *Value) ErrorfKey(key, format string, args ...any) error {
	return Errorf(v.File.Name, At(v.Node, key), "%s.%s: %s", v.Path, key, fmt.Sprintf(format, args...))
}

// Scalar returns the value when it was written as a single word or number.
func (v *Value) Scalar() (string, bool) {
	n := Unalias(v.Node)
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		return n.Value, true
	}
	return "", false
}

// Nest places the errors of a decoder that read a section of file (at
// node at, key path path) without knowing the file: each gets the file's
// name and the path in front of its message, and keeps its own position
// when it has one.
func Nest(err error, file string, at *yaml.Node, path string) error {
	if err == nil {
		return nil
	}
	var out []error
	for _, e := range Unjoin(err) {
		var ye *Error
		if !errors.As(e, &ye) {
			out = append(out, Errorf(file, at, "%s: %v", path, e))
			continue
		}
		ne := &Error{File: file, Line: ye.Line, Col: ye.Col, Msg: path + ": " + ye.Msg}
		if ne.Line == 0 && at != nil {
			ne.Line, ne.Col = at.Line, at.Column
		}
		out = append(out, ne)
	}
	if len(out) == 1 {
		return out[0]
	}
	return errors.Join(out...)
}

// Unjoin lists the errors errors.Join combined, flattened (none for nil).
func Unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, Unjoin(e)...)
		}
		return out
	}
	return []error{err}
}
