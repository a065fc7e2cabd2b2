package yamlx

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

func TestJSONableMakesYAMLKeysStrings(t *testing.T) {
	var v any
	require.NoError(t, yaml.Unmarshal([]byte("a: {1: x, true: [ {2: y} ]}\nb: [3]\n"), &v))
	_, err := json.Marshal(v)
	require.Error(t, err, "YAML's non-string keys are what encoding/json refuses")
	out, err := json.Marshal(JSONable(v))
	require.NoError(t, err)
	assert.JSONEq(t, `{"a": {"1": "x", "true": [{"2": "y"}]}, "b": [3]}`, string(out))
}
