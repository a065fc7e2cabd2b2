package yamlx

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type numbers struct {
	Seed   int64            `yaml:"seed"`
	Count  int              `yaml:"count"`
	Small  int8             `yaml:"small"`
	Page   uint64           `yaml:"page"`
	Limits map[string]int   `yaml:"limits"`
	Codes  []int            `yaml:"codes"`
	Nested *struct{ N int } `yaml:"nested"`
	Ratio  float64          `yaml:"ratio"`
	Name   string           `yaml:"name"`
	Wait   Duration         `yaml:"wait"`
}

// TestWholeNumbers: a value decoded into an integer field is a whole
// number in the field's range, or a one-line error at it naming the field
// (yaml.v3 alone turns 7.5 into 7 and -.inf into the smallest int64).
func TestWholeNumbers(t *testing.T) {
	cases := []struct{ src, err string }{
		{"seed: 7.5", `n.yaml:1:7: seed: 7.5 is not a whole number`},
		{"seed: -.inf", `n.yaml:1:7: seed: -.inf is not a whole number`},
		{"seed: .nan", `n.yaml:1:7: seed: .nan is not a whole number`},
		{"seed: 1e30", `n.yaml:1:7: seed: 1e30 is out of range: give a whole number from -9223372036854775808 to 9223372036854775807`},
		{"seed: 9223372036854775808", `seed: 9223372036854775808 is out of range`},
		{"count: 0.5", `n.yaml:1:8: count: 0.5 is not a whole number`},
		{"small: 128", `n.yaml:1:8: small: 128 is out of range: give a whole number from -128 to 127`},
		{"small: -129", `small: -129 is out of range`},
		{"page: -1", `n.yaml:1:7: page: -1 is out of range: give a whole number from 0 to 18446744073709551615`},
		{"page: 18446744073709551616", `page: 18446744073709551616 is out of range`},
		{"limits: {a: 1, b: 2.5}", `n.yaml:1:19: limits.b: 2.5 is not a whole number`},
		{"codes: [400, 404.5]", `n.yaml:1:14: codes[1]: 404.5 is not a whole number`},
		{"nested: {n: 3.25}", `n.yaml:1:13: nested.n: 3.25 is not a whole number`},
		{"x: &x 2.5\ncount: *x", `n.yaml:1:4: count: 2.5 is not a whole number`},
		{"count: many", `count: "many" is a string, expected a whole number`},
	}
	for _, c := range cases {
		t.Run(c.src, func(t *testing.T) {
			f, err := Parse("n.yaml", []byte(c.src+"\n"))
			require.NoError(t, err)
			var v numbers
			_, err = f.DecodeAll(f.Root, &v, "")
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrInvalid))
			assert.Contains(t, err.Error(), c.err)
			assert.NotContains(t, err.Error(), "\n")
		})
	}
	src := "seed: 9223372036854775807\ncount: 7.0\nsmall: -128\npage: 18446744073709551615\nlimits: {a: 1e3}\ncodes: [0x1F4, 1_000]\nratio: 7\nname: 7.5\nwait: 1.5s\n"
	f, err := Parse("n.yaml", []byte(src))
	require.NoError(t, err)
	var v numbers
	require.NoError(t, Decode(f, &v))
	assert.Equal(t, numbers{Seed: 9223372036854775807, Count: 7, Small: -128, Page: 18446744073709551615,
		Limits: map[string]int{"a": 1000}, Codes: []int{500, 1000}, Ratio: 7, Name: "7.5", Wait: Duration(1500e6)}, v)
}

// TestWholeNumbersEveryProblem: each bad number is reported, one line each.
func TestWholeNumbersEveryProblem(t *testing.T) {
	f, err := Parse("n.yaml", []byte("seed: 1.5\ncodes: [1, 2.5]\n"))
	require.NoError(t, err)
	var v numbers
	err = Decode(f, &v)
	require.Error(t, err)
	assert.Equal(t, "n.yaml:1:7: seed: 1.5 is not a whole number\nn.yaml:2:12: codes[1]: 2.5 is not a whole number", err.Error())
}
