// Package yamlx decodes faultline's YAML configuration strictly, with the
// file, line and column of every problem in the error.
//
// Configuration is validated once at the edge. Callers decode a document into
// a *yaml.Node with [Parse], then decode sub-nodes into typed structs with
// [Decode], which rejects unknown keys and wrong types at their position:
//
//	doc, err := yamlx.Parse("plan.yaml", data)
//	var p planFile
//	err = yamlx.Decode(doc, &p) // plan.yaml:7:5: routes[0].match: unknown key "methd"
//
// Semantic checks raise errors at a node's position with [Errorf].
package yamlx

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	goccy "github.com/goccy/go-yaml"
	goccyparser "github.com/goccy/go-yaml/parser"
	"gopkg.in/yaml.v3"
)

// ErrInvalid is wrapped by every error this package returns, so callers can
// map bad configuration to exit code 2 with errors.Is.
var ErrInvalid = errors.New("invalid configuration")

// Error is a configuration problem at a position in a file.
type Error struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *Error) Error() string {
	switch {
	case e.Line > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	case e.File != "":
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return e.Msg
}

// Unwrap makes every Error match ErrInvalid.
func (e *Error) Unwrap() error { return ErrInvalid }

// Errorf returns an Error at n's position in file.
func Errorf(file string, n *yaml.Node, format string, args ...any) error {
	e := &Error{File: file, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	return e
}

// File remembers a file name for the nodes decoded from it.
type File struct {
	Name string
	Root *yaml.Node // the document's top-level mapping
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError turns yaml.v3's syntax error into one naming where the
// mistake is. yaml.v3 gives only a line, often that of the enclosing block
// (a line early, as it counts from 0 there) or the end of the file, so the
// file is parsed again with goccy/go-yaml, which points at a character.
// Its position and message are used whenever it has one.
func syntaxError(name string, data []byte, err error) *Error {
	v3 := &Error{File: name, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		v3.Line, _ = strconv.Atoi(m[1])
		v3.Col, v3.Msg = 1, "YAML syntax: "+m[2]
	}
	located := locate(data)
	if located == nil {
		return v3
	}
	pos := located.GetToken().Position
	msg := strings.NewReplacer("\t", `\t`, "\n", " ").Replace(located.GetMessage())
	return &Error{File: name, Line: pos.Line, Col: pos.Column, Msg: "YAML syntax: " + msg}
}

// goccy/go-yaml's parser takes time and memory growing with the square of
// the nesting depth (seconds and gigabytes for 50 KB of "["), so only
// files small and shallow enough, as every real plan and scenario is, are
// handed to it; the rest keep yaml.v3's line.
const (
	maxLocateSize  = 64 << 10
	maxLocateDepth = 64
)

// locate parses data with goccy/go-yaml and returns its error, if it has a
// position. A panic in that parser (it only ever sees broken files here)
// counts as no answer.
func locate(data []byte) (located goccy.Error) {
	if len(data) > maxLocateSize || nesting(data) > maxLocateDepth {
		return nil
	}
	defer func() {
		if recover() != nil {
			located = nil
		}
	}()
	_, err := goccyparser.ParseBytes(data, 0)
	if !errors.As(err, &located) || located.GetToken() == nil {
		return nil
	}
	return located
}

// nesting estimates how deeply data nests: flow brackets open at once, or
// the indentation (spaces, tabs and "-" markers) of a line, in levels of
// two characters. It may overcount (brackets in strings); that only keeps
// a file from goccy.
func nesting(data []byte) int {
	deepest, open := 0, 0
	for line := range bytes.SplitSeq(data, []byte("\n")) {
		indent := len(line) - len(bytes.TrimLeft(line, " \t-"))
		deepest = max(deepest, indent/2)
		for _, c := range line {
			switch c {
			case '[', '{':
				open++
				deepest = max(deepest, open)
			case ']', '}':
				open--
			}
		}
	}
	return deepest
}

// Parse reads one YAML document. An empty document is an error, and so is
// one whose aliases expand it by more than [MaxAliasExpansion] bytes.
func Parse(name string, data []byte) (*File, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if err.Error() == "EOF" {
			return nil, &Error{File: name, Msg: "empty file: expected a YAML mapping"}
		}
		return nil, syntaxError(name, data, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &Error{File: name, Line: extra.Line, Col: extra.Column, Msg: "a second YAML document (after ---): put one scenario or plan per file"}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, Errorf(name, root, "expected a YAML mapping at the top level")
	}
	if err := checkAliases(name, root); err != nil {
		return nil, err
	}
	return &File{Name: name, Root: root}, nil
}

// Decode decodes n into out (a pointer to a struct with yaml tags) and rejects
// keys that out has no field for, naming the closest known key.
func (f *File) Decode(n *yaml.Node, out any, path string) error {
	if err := f.checkKeys(n, reflect.TypeOf(out), path); err != nil {
		return err
	}
	if err := WholeNumbers(f.Name, n, out, path); err != nil {
		return err
	}
	if err := n.Decode(out); err != nil {
		return f.typeError(n, err, path)
	}
	return nil
}

// DecodeAll is File.Decode that goes on past unknown keys, so a caller can
// report every problem of a file: unknown lists every unknown key (joined
// with errors.Join, nil when none); err is a value of the wrong type, after
// which out is incomplete and later checks of it would mislead.
func (f *File) DecodeAll(n *yaml.Node, out any, path string) (unknown, err error) {
	unknown = f.checkKeys(n, reflect.TypeOf(out), path)
	if err := WholeNumbers(f.Name, n, out, path); err != nil {
		return unknown, err
	}
	if err := n.Decode(out); err != nil {
		return unknown, f.typeError(n, err, path)
	}
	return unknown, nil
}

// Decode is File.Decode for the whole document.
func Decode(f *File, out any) error { return f.Decode(f.Root, out, "") }

var typeErrRE = regexp.MustCompile(`line (\d+): (.*)`)

func (f *File) typeError(n *yaml.Node, err error, path string) error {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		if m := typeErrRE.FindStringSubmatch(te.Errors[0]); m != nil {
			line, _ := strconv.Atoi(m[1])
			bad, at := findScalar(n, path, line, unmarshalRE.FindStringSubmatch(m[2]))
			return &Error{File: f.Name, Line: line, Col: bad.Column, Msg: where(at) + humanType(m[2])}
		}
	}
	var fe *Error
	if errors.As(err, &fe) {
		if fe.File == "" {
			fe.File = f.Name
		}
		if at := pathAt(n, path, fe.Line, fe.Col); at != "" && !strings.HasPrefix(fe.Msg, at+":") {
			fe.Msg = at + ": " + fe.Msg
		}
		return fe
	}
	return Errorf(f.Name, n, "%s%v", where(path), err)
}

func where(path string) string {
	if path == "" {
		return ""
	}
	return path + ": "
}

// findScalar finds the node on line that yaml.v3 complained about (the
// scalar holding the offending value when the message names one) and its
// key path below path.
func findScalar(n *yaml.Node, path string, line int, m []string) (*yaml.Node, string) {
	found, foundPath := n, path
	exact := false
	var walk func(c *yaml.Node, p string)
	walk = func(c *yaml.Node, p string) {
		if c.Line == line && !exact && (found == n || (m != nil && c.Value == m[2])) {
			found, foundPath = c, p
			exact = m != nil && c.Value == m[2] && c.Kind == yaml.ScalarNode
		}
		switch c.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(c.Content); i += 2 {
				walk(c.Content[i+1], join(p, c.Content[i].Value))
			}
		case yaml.SequenceNode:
			for i, k := range c.Content {
				walk(k, fmt.Sprintf("%s[%d]", p, i))
			}
		}
	}
	walk(n, path)
	return found, foundPath
}

// pathAt is the key path of the value at line:col below n (the outermost,
// when a collection and its first value share a position), or "".
func pathAt(n *yaml.Node, path string, line, col int) string {
	if n.Line == line && n.Column == col {
		return path
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if p := pathAt(n.Content[i+1], join(path, n.Content[i].Value), line, col); p != "" {
				return p
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if p := pathAt(c, fmt.Sprintf("%s[%d]", path, i), line, col); p != "" {
				return p
			}
		}
	}
	return ""
}

var unmarshalRE = regexp.MustCompile("cannot unmarshal !!(\\w+) `(.*)` into (\\S+)")

func humanType(msg string) string {
	if m := unmarshalRE.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%q is a %s, expected %s", m[2], yamlKind(m[1]), goKind(m[3]))
	}
	return msg
}

func yamlKind(tag string) string {
	switch tag {
	case "str":
		return "string"
	case "int", "float":
		return "number"
	case "seq":
		return "list"
	case "map":
		return "mapping"
	}
	return tag
}

func goKind(t string) string {
	switch {
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["):
		return "a mapping"
	case strings.Contains(t, "int"):
		return "a whole number"
	case strings.Contains(t, "float"):
		return "a number"
	case t == "bool":
		return "true or false"
	case t == "string":
		return "a string"
	}
	return "a " + t[strings.LastIndex(t, ".")+1:]
}

// checkKeys walks n alongside t and reports every unknown mapping key,
// joined with errors.Join.
func (f *File) checkKeys(n *yaml.Node, t reflect.Type, path string) error {
	return walk(n, t, path, func(n *yaml.Node, t reflect.Type, path string) error {
		if t.Kind() != reflect.Struct || n.Kind != yaml.MappingNode {
			return nil
		}
		fields := structFields(t)
		var errs []error
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; !hasKey(fields, k.Value) {
				errs = append(errs, Errorf(f.Name, k, "%sunknown key %q%s", where(path), k.Value, suggest(k.Value, fields)))
			}
		}
		return errors.Join(errs...)
	})
}

func hasKey(fields map[string]reflect.Type, k string) bool {
	_, ok := fields[k]
	return ok
}

var unmarshalerType = reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()

var nodeType = reflect.TypeOf(yaml.Node{})

// structFields maps yaml keys to field types (nil for raw yaml.Node fields),
// following inlined structs.
func structFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := sf.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" || !sf.IsExported() {
			continue
		}
		if strings.Contains(opts, "inline") {
			for k, v := range structFields(sf.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(sf.Name)
		}
		ft := sf.Type
		if ft == nodeType || ft == reflect.PointerTo(nodeType) {
			ft = nil
		}
		out[name] = ft
	}
	return out
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// suggest names the known key closest to k.
func suggest(k string, fields map[string]reflect.Type) string {
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	return DidYouMean(k, names)
}

// DidYouMean returns ` (did you mean "x"?)` for the name in known closest
// to k (at most two edits away, the first of equals in sorted order), or ""
// when none is close.
func DidYouMean(k string, known []string) string {
	sorted := append([]string(nil), known...)
	sort.Strings(sorted)
	best, bestD := "", 3
	for _, name := range sorted {
		if d := distance(k, name); d < bestD {
			best, bestD = name, d
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}

// distance is the Levenshtein edit distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// Duration is a time.Duration written as "250ms", "1.5s" or "2m" in YAML.
// Negative durations are rejected.
type Duration time.Duration

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return Errorf("", n, "expected a duration such as 250ms or 2s")
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		if n.Value == "0" {
			v, err = 0, nil
		} else {
			return Errorf("", n, "%q is not a duration: write it like 250ms, 1.5s or 2m", n.Value)
		}
	}
	if v < 0 {
		return Errorf("", n, "duration %s is negative", n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration in Go's notation.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// D returns the duration as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }
