package scenarios

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pb33f/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/faultline-dev/faultline/internal/yamlx"
)

// TestSchemaAgreesWithValidate runs a corpus of scenario files through
// both judges of the format, schema.json (evaluated by a JSON Schema
// 2020-12 validator, as an editor would) and Load (what `faultline
// validate` runs), and fails where one accepts what the other refuses.
func TestSchemaAgreesWithValidate(t *testing.T) {
	schema := compileSchema(t)
	for name, data := range schemaCorpus(t) {
		var doc any
		if err := yaml.Unmarshal(data, &doc); err != nil {
			continue // not YAML: neither judge gets to see it
		}
		_, loadErr := Load(name, data)
		schemaErr := schema.Validate(jsonValue(t, doc))
		agree := (loadErr == nil) == (schemaErr == nil)
		if why, listed := disagreements[name]; listed {
			assert.False(t, agree, "%s is listed as a disagreement (%s) but both judges now say %s: take it off the list", name, why, orOK(loadErr))
			continue
		}
		if !agree {
			assert.Failf(t, "schema.json and validate disagree", "%s:\n  validate: %v\n  schema.json: %v", name, orOK(loadErr), orOK(schemaErr))
		}
	}
}

// disagreements are the files where the two judges differ, each with the
// reason; the test fails when one of them stops differing.
var disagreements = map[string]string{
	// JSON Schema compares a value with constants, never with another value.
	"testdata/load/broken/bad-check-value.yaml": "attempts {min: 4, max: 2}: min <= max relates two fields",
	"snippet attempts min above max":            "attempts {min: 4, max: 2}: min <= max relates two fields",
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("schema.json")
	require.NoError(t, err)
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource("schema.json", doc))
	s, err := c.Compile("schema.json")
	require.NoError(t, err)
	return s
}

// jsonValue is a decoded YAML document as the JSON an editor's schema
// check sees.
func jsonValue(t *testing.T, doc any) any {
	t.Helper()
	data, err := json.Marshal(yamlx.JSONable(doc))
	require.NoError(t, err)
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	require.NoError(t, err)
	return v
}

func orOK(err error) string {
	if err == nil {
		return "accepted"
	}
	return strings.ReplaceAll(err.Error(), "\n", " ")
}

// schemaCorpus is every scenario file of the repository (the library, the
// load fixtures good and broken) plus the snippets of testdata/schema_snippets.yaml.
func schemaCorpus(t *testing.T) map[string][]byte {
	t.Helper()
	corpus := map[string][]byte{}
	for _, glob := range []string{"library/*.yaml", "testdata/load/good/*.y*ml", "testdata/load/broken/*.yaml"} {
		files, err := filepath.Glob(glob)
		require.NoError(t, err)
		for _, f := range files {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			corpus[f] = data
		}
	}
	for name, data := range schemaSnippets(t) {
		corpus["snippet "+name] = data
	}
	return corpus
}

// schemaSnippets are the scenario files of testdata/schema_snippets.yaml:
// its base with one text replaced, by name.
func schemaSnippets(t *testing.T) map[string][]byte {
	t.Helper()
	data, err := os.ReadFile("testdata/schema_snippets.yaml")
	require.NoError(t, err)
	var s struct {
		Base  string               `yaml:"base"`
		Edits map[string][2]string `yaml:"edits"`
	}
	require.NoError(t, yaml.Unmarshal(data, &s))
	require.NotEmpty(t, s.Edits)
	out := map[string][]byte{}
	for name, edit := range s.Edits {
		require.Contains(t, s.Base, edit[0], "snippet %s", name)
		out[name] = []byte(strings.Replace(s.Base, edit[0], edit[1], 1))
	}
	return out
}
