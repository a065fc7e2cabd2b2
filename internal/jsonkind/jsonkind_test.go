package jsonkind

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestOf(t *testing.T) {
	src := `{"o":{},"a":[],"s":"x","n":1.5,"b":true,"z":null}`
	want := map[string]string{"o": "object", "a": "array", "s": "string", "n": "number", "b": "boolean", "z": "null"}
	var plain map[string]any
	assert.NoError(t, json.Unmarshal([]byte(src), &plain))
	dec := json.NewDecoder(strings.NewReader(src))
	dec.UseNumber()
	var numbers map[string]any
	assert.NoError(t, dec.Decode(&numbers))
	for k, w := range want {
		assert.Equal(t, w, Of(plain[k]), k)
		assert.Equal(t, w, Of(numbers[k]), k+" with UseNumber")
	}
}
