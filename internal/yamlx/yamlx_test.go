package yamlx

import (
	"errors"
	"fmt"
	"strings"
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

// TestSyntaxErrorPositions pins where a syntax error points: at the
// character, not at the enclosing block, a line early, or past the end.
func TestSyntaxErrorPositions(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"unclosed quote", "version: 1\nclient:\n  path: \"/ok\n  count: 2\n",
			`p.yaml:3:9: YAML syntax: could not find end character of double-quoted text`},
		{"unclosed quote in one-line JSON", `{"version": 1, "routes": [{"path": "/a}]}` + "\n",
			`p.yaml:1:36: YAML syntax: could not find end character of double-quoted text`},
		{"unclosed single quote", "a: 'it''s\nb: 1\nc: 2\nd: 3\n",
			`p.yaml:1:4: YAML syntax: could not find end character of single-quoted text`},
		{"unclosed flow mapping", "routes:\n  - match: {path: /x\n    respond: {status: 200}\n",
			`p.yaml:3:5: YAML syntax: ',' or '}' must be specified`},
		{"tab", "version: 1\n\tname: x\n", `p.yaml:2:1: YAML syntax: found character '\t' that cannot start any token`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("p.yaml", []byte(c.src))
			require.Error(t, err)
			assert.Equal(t, c.want, err.Error())
		})
	}
}

// TestSyntaxErrorDeepInput: input nested deeper than any real file is not
// handed to the second parser (whose cost grows with the square of the
// depth: seconds and gigabytes for 50 KB of "["); yaml.v3's error stands.
func TestSyntaxErrorDeepInput(t *testing.T) {
	deep := []string{strings.Repeat("[", 200), strings.Repeat("- ", 200) + "\"x\n", "a:" + strings.Repeat("\n"+strings.Repeat(" ", 140)+"b: \"x", 1)}
	for _, src := range deep {
		assert.Nil(t, locate([]byte(src)), "%.20q is too deep for goccy", src)
		_, err := Parse("p.yaml", []byte(src))
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "\n")
	}
	assert.NotNil(t, locate([]byte("a: [b\n")), "shallow input is located")
	assert.Nil(t, locate([]byte("a: \"x\n"+strings.Repeat("b: 1\n", maxLocateSize/5))), "large input is not")
	_, err := Parse("p.yaml", []byte(strings.Repeat("[", 60000)))
	assert.EqualError(t, err, "p.yaml: exceeded max depth of 10000")
	assert.Equal(t, 3, nesting([]byte("a: [[{b: 1}]]\n")))
	assert.Equal(t, 2, nesting([]byte("a:\n  b:\n    c: 1\n")))
}

// TestAliasExpansionBounded: aliases that would multiply a document past
// the bound are refused at the alias where it ran out, whether they repeat
// one big value or nest small ones ("billion laughs"); modest sharing
// passes.
func TestAliasExpansionBounded(t *testing.T) {
	big := "a: &big " + strings.Repeat("x", 100<<10) + "\nlist:\n" + strings.Repeat("  - *big\n", 60)
	_, err := Parse("p.yaml", []byte(big))
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrInvalid))
	assert.Regexp(t, `^p\.yaml:\d+:5: YAML aliases expand this document by more than 4 MiB \(here, \*big\)`, err.Error())
	assert.NotContains(t, err.Error(), "\n")

	laughs := "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
	for i := 1; i <= 9; i++ {
		laughs += fmt.Sprintf("l%d: &l%d [*l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	_, err = Parse("p.yaml", []byte(laughs))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "YAML aliases expand this document")

	shared := "h: &h {X-A: b, X-C: d}\nroutes:\n" + strings.Repeat("  - {headers: *h}\n", 500) + "body: &b " + strings.Repeat("y", 10<<10) + "\nagain: [" + strings.TrimSuffix(strings.Repeat("*b, ", 100), ", ") + "]\n"
	_, err = Parse("p.yaml", []byte(shared))
	assert.NoError(t, err, "500 shared header maps and 1 MB of repeated body are fine")
}
