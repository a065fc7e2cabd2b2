package contract

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFastPathAgreesWithValidator: the fast path may only send a request
// on to the full validator, never pass one the validator refuses; and
// ValidateRequest's verdict is the validator's, whichever path decided.
// The bodies are the ones where a JSON decoder could differ from the
// validator's encoding/json: duplicate names, invalid UTF-8, numbers at
// the edge of float64, trailing data, escapes.
func TestFastPathAgreesWithValidator(t *testing.T) {
	spec, err := Load("testdata/bench_orders.yaml")
	require.NoError(t, err)
	const ok = `"currency":"eur","customer":"cus_1"`
	bodies := map[string]bool{ // body -> the validator's verdict
		`{"amount":1200,` + ok + `}`:                                   true,
		`{"amount":"x","amount":1200,` + ok + `}`:                      true, // encoding/json keeps the last
		`{"amount":1200,"amount":"x",` + ok + `}`:                      false,
		`{"amount":1200,` + ok + `,"description":"caf` + "\xe9" + `"}`: true, // invalid UTF-8 becomes U+FFFD
		`{"amount":1e400,` + ok + `}`:                                  false,
		`{"amount":1.0000000000000001,` + ok + `}`:                     true, // an integer once it is a float64
		`{"amount":0.99999999999999999,` + ok + `}`:                    true, // rounds to 1, the minimum
		`{"amount":1200,` + ok + `} `:                                  true,
		`{"amount":1200,` + ok + `} {}`:                                false,
		`{"amount":1200,"currency":"\u0065ur","customer":"cus_1"}`:     true,
		`{"amount":1200,"currency":"EUR","customer":"cus_1"}`:          false,
		`{"amount":1200,` + ok + `,"note":null}`:                       true,
		`{"amount":1200,` + ok + `,"metadata":{"a":1}}`:                false,
		`[]`: false,
		``:   false,
	}
	op := spec.Operations()[0]
	for body, want := range bodies {
		newReq := func() *http.Request {
			r := httptest.NewRequest("POST", "/v1/orders", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			return r
		}
		full, errs := spec.validator.ValidateHttpRequestSyncWithPathItem(newReq(), op.item, op.Path)
		require.Equal(t, want, full, "the validator on %q: %v", body, errs)
		if spec.conforms(op, newReq(), []byte(body)) {
			assert.True(t, full, "the fast path passed %q, which the validator refuses", body)
		}
		_, vs := spec.ValidateRequest(newReq())
		assert.Equal(t, want, len(vs) == 0, "ValidateRequest on %q: %v", body, vs)
	}
}

// TestInspectNotes: a conforming request is noted with its operation only,
// a refused one with the operation and the violation; notes of one never
// leak into another's.
func TestInspectNotes(t *testing.T) {
	spec, err := Load("testdata/bench_orders.yaml")
	require.NoError(t, err)
	inspect := func(body string) map[string]string {
		r := httptest.NewRequest("POST", "/v1/orders", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		_, notes := spec.Inspect(r)
		return notes
	}
	good := inspect(`{"amount":1200,"currency":"eur","customer":"cus_1"}`)
	bad := inspect(`{"amount":0,"currency":"eur","customer":"cus_1"}`)
	again := inspect(`{"amount":1,"currency":"usd","customer":"cus_2"}`)
	name := spec.Operations()[0].Name()
	assert.Equal(t, map[string]string{NoteOperation: name}, good)
	assert.Equal(t, name, bad[NoteOperation])
	assert.Contains(t, bad[NoteViolation], "amount")
	assert.Equal(t, map[string]string{NoteOperation: name}, again)
	_, none := spec.Inspect(httptest.NewRequest("GET", "/nowhere", nil))
	assert.Equal(t, map[string]string{NoteViolation: "operation: the spec has no operation GET /nowhere"}, none)
}

// decodeBodies are JSON texts where a decoder could part from
// encoding/json: escapes (in names too), duplicates, invalid UTF-8,
// numbers at float64's edges, nesting, whitespace, trailing data.
var decodeBodies = []string{
	`{"amount":1200,"currency":"eur","customer":"cus_4QFOF3xrmUg4nD","note":null,"shipping":{"name":"Ada","address":{"line1":"12 St James's Square","country":"GB"}},"metadata":{"order_ref":"A-1042"}}`,
	` { "a" : [ 1 , -0 , 1E5 , 1e-400 , 2.5e+3 , 0.1 ] , "b" : [ ] , "c" : { } } `,
	`{"a\u0062":1,"ab":2}`, `{"ab":1,"a\u0062":2}`, `{"a":1,"a":2}`, `{"a":{"x":1},"b":{"x":1,"x":1}}`,
	`{"\u00e9t\u00e9":"caf\u00e9","q":"\"quoted\" \\ \/ \b\f\n\r\t","s":"\ud83d\ude00","lone":"\ud800"}`,
	`{"é":"😀","":""}`, "{\"a\":\"caf\xe9\"}", "{\"caf\xe9\":1}",
	`{"n":1e400}`, `{"n":-1e400}`, `{"n":1.0000000000000001}`, `{"n":0.99999999999999999}`, `{"n":123456789012345678901234567890}`,
	`[{"a":[[[]]]},true,false,null,"x",3]`, `"just a string"`, `42`, `null`, `true`,
	`{"a":1} `, `{"a":1} {}`, `{"a":1}x`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `[1,]`, `{"a":01}`, `{"a":.5}`, `{"a":"\x"}`,
	"{\"a\":\"tab\there\"}", `{"a":NaN}`, ``, ` `, `{`, `{"a":`, `[`, `"`,
}

// TestDecodeJSONMatchesEncodingJSON: the fast path's decoder returns
// exactly the value encoding/json (the validator's decoder) returns, or
// refuses; it never accepts a text encoding/json refuses. Equal values get
// equal verdicts from the same compiled schema, so the fast path cannot
// pass what the full validator refuses.
func TestDecodeJSONMatchesEncodingJSON(t *testing.T) {
	// One decoder, every text twice: each decode reuses the maps and
	// slices of the one before (as pooled decoders do between requests),
	// and must still return exactly encoding/json's value.
	d := newJSONDecoder()
	for range 2 {
		for _, body := range decodeBodies {
			checkDecodeWith(t, d, []byte(body))
		}
	}
	// What the fast path must refuse rather than resolve as encoding/json
	// does (the last duplicate wins, invalid UTF-8 becomes U+FFFD).
	for _, body := range []string{`{"a\u0062":1,"ab":2}`, `{"a":1,"a":2}`, "{\"a\":\"caf\xe9\"}", `{"n":1e400}`, `{"a":1} {}`} {
		_, ok := d.decode([]byte(body))
		assert.False(t, ok, "decode accepted %q", body)
	}
	_, ok := d.decode([]byte(decodeBodies[0]))
	assert.True(t, ok, "decode refused a plain order")
}

// TestDecoderReuseIsBounded: a decoder keeps at most keptValues maps and
// slices, and none grown past keptSize, so one large body cannot pin
// memory in the pool; what it keeps comes back empty.
func TestDecoderReuseIsBounded(t *testing.T) {
	d := newJSONDecoder()
	var b strings.Builder
	b.WriteString(`[`)
	for i := range 100 {
		if i > 0 {
			b.WriteString(`,`)
		}
		fmt.Fprintf(&b, `{"a":[%d]}`, i)
	}
	b.WriteString(`,{`)
	for i := range keptSize + 1 {
		fmt.Fprintf(&b, `"k%d":%d,`, i, i)
	}
	b.WriteString(`"z":[` + strings.Repeat(`1,`, keptSize) + `1]}]`)
	v, ok := d.decode([]byte(b.String()))
	require.True(t, ok)
	var want any
	require.NoError(t, json.Unmarshal([]byte(b.String()), &want))
	require.Equal(t, want, v)
	d.recycle()
	assert.Len(t, d.objs, keptValues)
	assert.Len(t, d.arrs, keptValues)
	for _, m := range d.objs {
		assert.Empty(t, m)
	}
	for _, a := range d.arrs {
		assert.Empty(t, a)
		assert.LessOrEqual(t, cap(a), keptSize)
	}
}

// FuzzDecodeJSON runs the same comparison on any input (go test -fuzz).
func FuzzDecodeJSON(f *testing.F) {
	for _, body := range decodeBodies {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		d := decoders.Get().(*jsonDecoder) // reused, as in serve
		defer d.put()
		checkDecodeWith(t, d, body)
	})
}

func checkDecodeWith(t *testing.T, d *jsonDecoder, body []byte) {
	got, ok := d.decode(body)
	var want any
	err := json.Unmarshal(body, &want)
	if !ok {
		return // the full validator judges it
	}
	require.NoError(t, err, "decode accepted %q, which encoding/json refuses", body)
	require.Equal(t, want, got, "decode of %q", body)
}
