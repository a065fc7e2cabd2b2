package resilience

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/faultline-dev/faultline/internal/jsonkind"
)

// ErrInvalidPayload is matched by every error DecodeJSON returns for a body
// that does not fit the target type.
var ErrInvalidPayload = errors.New("invalid payload")

// FieldError is a payload problem at a JSON path such as "data.items[2].sku".
type FieldError struct {
	Path string // "body" for the document itself
	Msg  string
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Msg }

// Unwrap makes FieldError match ErrInvalidPayload.
func (e *FieldError) Unwrap() error { return ErrInvalidPayload }

// DecodeJSON decodes body into v (a non-nil pointer) at the boundary of an
// integration: unknown fields are ignored, so an upstream may add fields;
// fields tagged `validate:"required"` must be present and not null; every
// value must have the type of its field. A mismatch is a *FieldError naming
// the path:
//
//	data.amount: expected number, got string
//	id: required field missing
//	customer: null where an object is required
//
// v is left untouched unless the whole body is valid.
func DecodeJSON(body []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("resilience.DecodeJSON: need a non-nil pointer, got %T", v)
	}
	raw, err := parseJSON(body)
	if err != nil {
		return err
	}
	if err := check(raw, rv.Type().Elem(), "", ""); err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &FieldError{Path: "body", Msg: err.Error()}
	}
	return nil
}

func parseJSON(body []byte) (any, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, &FieldError{Path: "body", Msg: "empty, expected a JSON document"}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, &FieldError{Path: "body", Msg: fmt.Sprintf("invalid JSON at byte %d: %v", se.Offset, err)}
		}
		return nil, &FieldError{Path: "body", Msg: "invalid JSON: " + err.Error()}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &FieldError{Path: "body", Msg: fmt.Sprintf("unexpected data after the JSON value at byte %d", dec.InputOffset())}
	}
	return raw, nil
}

var (
	timeType            = reflect.TypeFor[time.Time]()
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	rawMessageType      = reflect.TypeFor[json.RawMessage]()
)

// check reports the first place where val (decoded with UseNumber) does not
// fit t. opts are the field's json tag options.
func check(val any, t reflect.Type, path, opts string) error {
	if val == nil {
		switch t.Kind() {
		case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice:
			return nil
		}
		if t == rawMessageType {
			return nil
		}
		return fail(path, "null where %s is required", article(t))
	}
	switch {
	case t == timeType:
		s, ok := val.(string)
		if !ok {
			return mismatch(path, "an RFC 3339 time string", val)
		}
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			return fail(path, "%q is not an RFC 3339 time such as 2024-05-01T12:00:00Z", s)
		}
		return nil
	case t == rawMessageType, reflect.PointerTo(t).Implements(jsonUnmarshalerType):
		return nil // the type checks itself when decoded
	case reflect.PointerTo(t).Implements(textUnmarshalerType):
		if _, ok := val.(string); !ok {
			return mismatch(path, "string", val)
		}
		return nil
	}
	return checkKind(val, t, path, opts)
}

func checkKind(val any, t reflect.Type, path, opts string) error {
	switch t.Kind() {
	case reflect.Pointer:
		return check(val, t.Elem(), path, opts)
	case reflect.Interface:
		return nil
	case reflect.Struct:
		obj, ok := val.(map[string]any)
		if !ok {
			return mismatch(path, "object", val)
		}
		return checkStruct(obj, t, path)
	case reflect.Map:
		return checkMap(val, t, path)
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			if _, ok := val.(string); !ok {
				return mismatch(path, "base64 string", val)
			}
			return nil
		}
		arr, ok := val.([]any)
		if !ok {
			return mismatch(path, "array", val)
		}
		for i, e := range arr {
			if err := check(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i), ""); err != nil {
				return err
			}
		}
		return nil
	case reflect.String:
		if _, ok := val.(string); !ok {
			return mismatch(path, "string", val)
		}
		return nil
	case reflect.Bool:
		if _, ok := val.(bool); !ok {
			return mismatch(path, "boolean", val)
		}
		return nil
	}
	return checkNumber(val, t, path, opts)
}

func checkMap(val any, t reflect.Type, path string) error {
	obj, ok := val.(map[string]any)
	if !ok {
		return mismatch(path, "object", val)
	}
	for k, e := range obj {
		if err := check(e, t.Elem(), join(path, k), ""); err != nil {
			return err
		}
	}
	return nil
}

func checkNumber(val any, t reflect.Type, path, opts string) error {
	want := "number"
	k := t.Kind()
	if k >= reflect.Int && k <= reflect.Uint64 {
		want = "integer"
	} else if k != reflect.Float32 && k != reflect.Float64 {
		return nil // chan, func, complex: encoding/json reports these itself
	}
	var n string
	switch x := val.(type) {
	case json.Number:
		n = string(x)
	case string:
		if !strings.Contains(opts, "string") {
			return mismatch(path, want, val)
		}
		n = x
	default:
		return mismatch(path, want, val)
	}
	var err error
	switch {
	case k >= reflect.Int && k <= reflect.Int64:
		_, err = strconv.ParseInt(n, 10, t.Bits())
	case k >= reflect.Uint && k <= reflect.Uint64:
		_, err = strconv.ParseUint(n, 10, t.Bits())
	default:
		_, err = strconv.ParseFloat(n, t.Bits())
	}
	var ne *strconv.NumError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange):
		return fail(path, "%s is out of range for %s", n, t.Kind())
	case want == "integer":
		return fail(path, "expected integer, got %s", n)
	}
	return fail(path, "%q is not a number", n)
}

// checkStruct checks the object's keys against t's fields, following
// embedded structs, and reports required fields that are missing.
func checkStruct(obj map[string]any, t reflect.Type, path string) error {
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" && opts == "" {
			continue
		}
		ft := sf.Type
		if sf.Anonymous && name == "" {
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				if err := checkStruct(obj, ft, path); err != nil {
					return err
				}
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		val, ok := field(obj, name)
		required := hasOpt(sf.Tag.Get("validate"), "required")
		switch {
		case !ok && required:
			return fail(join(path, name), "required field missing")
		case !ok:
			continue
		case val == nil && required:
			return fail(join(path, name), "required field is null")
		}
		if err := check(val, ft, join(path, name), opts); err != nil {
			return err
		}
	}
	return nil
}

// field finds key in obj as encoding/json does: exact match first, then
// case-insensitive.
func field(obj map[string]any, key string) (any, bool) {
	if v, ok := obj[key]; ok {
		return v, true
	}
	for k, v := range obj {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

func hasOpt(tag, opt string) bool {
	for o := range strings.SplitSeq(tag, ",") {
		if strings.TrimSpace(o) == opt {
			return true
		}
	}
	return false
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func fail(path, format string, args ...any) error {
	if path == "" {
		path = "body"
	}
	return &FieldError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

func mismatch(path, want string, got any) error {
	return fail(path, "expected %s, got %s", want, jsonkind.Of(got))
}

// article names what a Go type expects in JSON, with an article.
func article(t reflect.Type) string {
	if t == timeType {
		return "an RFC 3339 time string"
	}
	switch t.Kind() {
	case reflect.Struct:
		return "an object"
	case reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	if t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64 {
		return "an integer"
	}
	return "a value"
}
