package yamlx

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type inner struct {
	Method string   `yaml:"method"`
	Wait   Duration `yaml:"wait"`
	Count  int      `yaml:"count"`
}

type outer struct {
	Name   string  `yaml:"name"`
	Routes []inner `yaml:"routes"`
}

func TestDecode(t *testing.T) {
	cases := []struct {
		name, src, err string
	}{
		{"ok", "name: a\nroutes:\n  - method: GET\n    wait: 250ms\n", ""},
		{"unknown key", "name: a\nroutes:\n  - methd: GET\n", `p.yaml:3:5: routes[0]: unknown key "methd" (did you mean "method"?)`},
		{"wrong type", "name: a\nroutes:\n  - count: many\n", `p.yaml:3:12: routes[0].count: "many" is a string, expected a whole number`},
		{"bad duration", "routes:\n  - wait: soon\n", `p.yaml:2:11: routes[0].wait: "soon" is not a duration: write it like 250ms, 1.5s or 2m`},
		{"negative duration", "routes:\n  - wait: -1s\n", `p.yaml:2:11: routes[0].wait: duration -1s is negative`},
		{"syntax", "name: [a\n", `p.yaml:`},
		{"empty", "", `p.yaml: empty file: expected a YAML mapping`},
		{"not a mapping", "- a\n", `p.yaml:1:1: expected a YAML mapping at the top level`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := Parse("p.yaml", []byte(c.src))
			if err == nil {
				var o outer
				err = Decode(f, &o)
				if c.err == "" {
					require.NoError(t, err)
					assert.Equal(t, 250*time.Millisecond, o.Routes[0].Wait.D())
					return
				}
			}
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrInvalid))
			assert.Contains(t, err.Error(), c.err)
		})
	}
}

func TestParseRejectsASecondDocument(t *testing.T) {
	_, err := Parse("m.yaml", []byte("name: a\n---\nname: b\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "m.yaml:2:1: a second YAML document")
	_, err = Parse("one.yaml", []byte("---\nname: a\n"))
	assert.NoError(t, err, "a leading --- is one document")
}
