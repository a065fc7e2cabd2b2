package yamlx

import (
	"math"
	"reflect"
	"strconv"

	"gopkg.in/yaml.v3"
)

// WholeNumbers reports every value below n that out's type (a pointer)
// decodes into an integer field but that is not a whole number in that
// field's range, joined with errors.Join, or nil. yaml.v3 decodes such a
// value without a word: 7.5 becomes 7, -.inf the smallest int64.
// [File.Decode] calls it; code that hands a node to yaml.v3 itself calls
// it first.
func WholeNumbers(file string, n *yaml.Node, out any, path string) error {
	return walk(n, reflect.TypeOf(out), path, func(n *yaml.Node, t reflect.Type, path string) error {
		if msg := wholeNumber(n, t); msg != "" {
			return Errorf(file, n, "%s%s", where(path), msg)
		}
		return nil
	})
}

// wholeNumber says what is wrong with the scalar n as a value of the
// integer type t, or "" when nothing is (or t is no integer type, or n is
// no number: yaml.v3's own error names those).
func wholeNumber(n *yaml.Node, t reflect.Type) string {
	signed := false
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		signed = true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
	default:
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		return ""
	}
	var i int64
	var u uint64
	fits := false // the value is an int64 (i) or a uint64 (u)
	switch n.ShortTag() {
	case "!!int":
		if n.Decode(&i) == nil {
			fits = true
		} else if n.Decode(&u) == nil {
			fits, i = true, -1 // i < 0 marks "not an int64"; u holds it
		}
	case "!!float":
		var f float64
		if n.Decode(&f) != nil || math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f) {
			return n.Value + " is not a whole number"
		}
		switch {
		case f >= -(1<<63) && f < 1<<63:
			fits, i = true, int64(f)
		case f >= 0 && f < 1<<64:
			fits, i, u = true, -1, uint64(f)
		}
	default:
		return ""
	}
	if !fits || outOfRange(t, signed, i, u) {
		return n.Value + " is out of range: give a whole number from " + bounds(t, signed)
	}
	return ""
}

// outOfRange reports whether the value (i, or u when i is -1 and u is set
// beyond int64) does not fit t.
func outOfRange(t reflect.Type, signed bool, i int64, u uint64) bool {
	z := reflect.Zero(t)
	if u > math.MaxInt64 { // only a uint64 holds it
		return signed || z.OverflowUint(u)
	}
	if signed {
		return z.OverflowInt(i)
	}
	return i < 0 || z.OverflowUint(uint64(i))
}

// bounds names t's range, e.g. "0 to 255".
func bounds(t reflect.Type, signed bool) string {
	b := t.Bits()
	if signed {
		return strconv.FormatInt(-1<<(b-1), 10) + " to " + strconv.FormatInt(1<<(b-1)-1, 10)
	}
	return "0 to " + strconv.FormatUint(math.MaxUint64>>(64-b), 10)
}
