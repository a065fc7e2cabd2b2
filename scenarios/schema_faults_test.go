package scenarios

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/fault"
)

// faultSchema is the part of schema.json that names faults: a rule's
// properties and its oneOf (one fault per rule), and a $defs entry per fault.
type faultSchema struct {
	Defs map[string]struct {
		Properties map[string]json.RawMessage `json:"properties"`
		OneOf      []struct {
			Required []string `json:"required"`
		} `json:"oneOf"`
	} `json:"$defs"`
}

// TestSchemaNamesEveryFault: each of the three places schema.json lists
// faults holds exactly the kinds fault registers, and every parameter it
// allows a fault is one the fault's decoder knows. Adding a fault to fault/
// without its schema entries, or with a parameter the decoder rejects, fails
// here.
func TestSchemaNamesEveryFault(t *testing.T) {
	data, err := os.ReadFile("schema.json")
	require.NoError(t, err)
	var s faultSchema
	require.NoError(t, json.Unmarshal(data, &s))
	kinds := fault.Kinds()

	rule := s.Defs["rule"]
	var props, oneOf, defs []string
	for k := range rule.Properties {
		if k != "when" {
			props = append(props, k)
		}
	}
	for _, o := range rule.OneOf {
		oneOf = append(oneOf, o.Required...)
	}
	for k := range s.Defs {
		if name, ok := strings.CutPrefix(k, "fault_"); ok {
			defs = append(defs, name)
		}
	}
	for _, l := range [][]string{props, oneOf, defs} {
		sort.Strings(l)
	}
	assert.Equal(t, kinds, props, "$defs.rule.properties (besides when)")
	assert.Equal(t, kinds, oneOf, "$defs.rule.oneOf")
	assert.Equal(t, kinds, defs, "$defs.fault_*")

	for _, kind := range kinds {
		assert.ErrorContains(t, decodeFaultKey(kind, "no_such_parameter"), `unknown key "no_such_parameter"`,
			"%s: the probe must see an unknown key", kind)
		for key := range s.Defs["fault_"+kind].Properties {
			if err := decodeFaultKey(kind, key); err != nil {
				assert.NotContains(t, err.Error(), fmt.Sprintf("unknown key %q", key), "schema.json lets %s have %s", kind, key)
			}
		}
	}
}

// decodeFaultKey loads a plan whose one rule is kind with key set to null.
func decodeFaultKey(kind, key string) error {
	_, err := fault.LoadPlan("plan.yaml", fmt.Appendf(nil,
		"routes:\n  - path: /x\n    faults:\n      - %s: {%s: null}\n", kind, key))
	return err
}
