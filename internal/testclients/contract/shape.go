package contract

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// CheckShape validates a JSON body against a call's expect: dotted field
// path to JSON type (string, number, bool, object, array), every field
// required. Its errors name the field, as a scenario's error_mentions
// checks ask; a body that is not JSON gives encoding/json's own error.
func CheckShape(body []byte, expect map[string]string) error {
	if len(expect) == 0 {
		return nil
	}
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return fmt.Errorf("decoding the response body: %w", err)
	}
	for path, want := range expect {
		v, ok := lookup(doc, strings.Split(path, "."))
		if !ok {
			return fmt.Errorf("field %s: missing from the response", path)
		}
		if got := kind(v); got != want {
			return fmt.Errorf("field %s: expected %s, got %s", path, want, got)
		}
	}
	return nil
}

func lookup(v any, path []string) (any, bool) {
	for _, name := range path {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = obj[name]; !ok {
			return nil, false
		}
	}
	return v, true
}

func kind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return "null"
}

// Judge is how the panel clients (internal/testclients/panel) turn a
// response into a call's result: a status >= 400 is an error, and so is a
// body that does not have the expected shape.
func Judge(c Call, status int, body []byte) error {
	if status >= 400 {
		return fmt.Errorf("%s %s: status %d", c.Method, c.Path, status)
	}
	if err := CheckShape(body, c.Expect); err != nil {
		return fmt.Errorf("%s %s: %w", c.Method, c.Path, err)
	}
	return nil
}

// Headers are a call's headers with its X-Request-Id.
func Headers(c Call) http.Header {
	h := http.Header{}
	for k, v := range c.Headers {
		h.Set(k, v)
	}
	h.Set("X-Request-Id", c.ID)
	return h
}

// Finish reads and closes a response and judges it (Judge).
func Finish(c Call, resp *http.Response, err error) error {
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: reading the body: %w", c.Method, c.Path, err)
	}
	return Judge(c, resp.StatusCode, body)
}
