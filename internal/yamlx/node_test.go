package yamlx

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMapValueFollowsAliases(t *testing.T) {
	f, err := Parse("p.yaml", []byte("shared: &s {a: 1}\nuse: *s\n"))
	require.NoError(t, err)
	a := MapValue(MapValue(f.Root, "use"), "a")
	require.NotNil(t, a)
	assert.Equal(t, "1", a.Value)
	assert.Nil(t, MapValue(f.Root, "missing"))
	assert.Equal(t, f.Root, At(f.Root, "missing"), "an absent key points at the mapping")
}

// TestNest: a section decoder's errors, made without the file's name, read
// as the file's: its name, the section's key path, their own position, or
// the section's when they have none.
func TestNest(t *testing.T) {
	f, err := Parse("s.yaml", []byte("client:\n  policy:\n    retry: {max_attempts: x}\n"))
	require.NoError(t, err)
	sec := MapValue(MapValue(f.Root, "client"), "policy")
	inner := &File{Root: sec}
	var v struct {
		Retry struct {
			MaxAttempts int `yaml:"max_attempts"`
		} `yaml:"retry"`
	}
	err = Nest(inner.Decode(sec, &v, ""), "s.yaml", sec, "client.policy")
	assert.EqualError(t, err, `s.yaml:3:27: client.policy: retry.max_attempts: "x" is a string, expected a whole number`)
	assert.True(t, errors.Is(err, ErrInvalid))
	err = Nest(errors.New("no position"), "s.yaml", sec, "client.policy")
	assert.EqualError(t, err, "s.yaml:3:5: client.policy: no position")
	assert.Nil(t, Nest(nil, "s.yaml", sec, "x"))
}
