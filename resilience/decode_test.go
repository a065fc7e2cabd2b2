package resilience

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type money struct {
	Amount   int64  `json:"amount" validate:"required"`
	Currency string `json:"currency"`
}

type meta struct {
	Source string `json:"source"`
}

type charge struct {
	meta
	ID       string            `json:"id" validate:"required"`
	Data     money             `json:"data"`
	Customer struct{ ID int }  `json:"customer"`
	Refunds  []money           `json:"refunds"`
	Tags     map[string]string `json:"tags"`
	Note     *string           `json:"note"`
	Created  time.Time         `json:"created"`
	Score    float32           `json:"score"`
	Small    int8              `json:"small"`
	Count    uint              `json:"count"`
	Live     bool              `json:"live"`
	Raw      json.RawMessage   `json:"raw"`
	Any      any               `json:"any"`
	Legacy   int               `json:"legacy,string"`
	Blob     []byte            `json:"blob"`
	Skipped  func()            `json:"-"`
}

func TestDecodeJSONAcceptsAValidPayload(t *testing.T) {
	body := `{"id":"ch_1","data":{"amount":4200,"currency":"eur","new_field":true},"customer":{"ID":7},
	"refunds":[{"amount":1}],"tags":{"a":"b"},"note":null,"created":"2026-01-02T03:04:05Z","score":1.5,
	"small":-3,"count":2,"live":true,"raw":{"x":[1]},"any":[1,"a"],"legacy":"12","blob":"aGk=","source":"api",
	"unknown_top_level":{"deep":1}}`
	var c charge
	require.NoError(t, DecodeJSON([]byte(body), &c))
	assert.Equal(t, "ch_1", c.ID)
	assert.EqualValues(t, 4200, c.Data.Amount)
	assert.Equal(t, 7, c.Customer.ID)
	assert.Equal(t, "api", c.Source)
	assert.Equal(t, 12, c.Legacy)
	assert.Equal(t, "hi", string(c.Blob))
	assert.Nil(t, c.Note)
}

func TestDecodeJSONNamesTheField(t *testing.T) {
	cases := []struct{ body, want string }{
		{`{"data":{"amount":1}}`, "id: required field missing"},
		{`{"id":null}`, "id: required field is null"},
		{`{"id":"x","data":{"amount":"4200"}}`, "data.amount: expected integer, got string"},
		{`{"id":"x","data":{}}`, "data.amount: required field missing"},
		{`{"id":"x","customer":null}`, "customer: null where an object is required"},
		{`{"id":"x","customer":[]}`, "customer: expected object, got array"},
		{`{"id":"x","refunds":[{"amount":1},{"amount":true}]}`, "refunds[1].amount: expected integer, got boolean"},
		{`{"id":"x","refunds":{}}`, "refunds: expected array, got object"},
		{`{"id":"x","tags":{"a":1}}`, "tags.a: expected string, got number"},
		{`{"id":"x","created":"yesterday"}`, `created: "yesterday" is not an RFC 3339 time`},
		{`{"id":"x","created":null}`, "created: null where an RFC 3339 time string is required"},
		{`{"id":"x","score":"high"}`, "score: expected number, got string"},
		{`{"id":"x","score":1e39}`, "score: 1e39 is out of range for float32"},
		{`{"id":"x","small":300}`, "small: 300 is out of range for int8"},
		{`{"id":"x","small":1.5}`, "small: expected integer, got 1.5"},
		{`{"id":"x","count":-1}`, "count: expected integer, got -1"},
		{`{"id":"x","live":"yes"}`, "live: expected boolean, got string"},
		{`{"id":"x","legacy":"twelve"}`, `legacy: expected integer, got twelve`},
		{`{"id":"x","source":5}`, "source: expected string, got number"},
		{`{"id":"x","blob":[1]}`, "blob: expected base64 string, got array"},
		{`[1,2]`, "body: expected object, got array"},
		{`{"id":"x"`, "body: invalid JSON"},
		{`{"id":"x"} {}`, "body: unexpected data after the JSON value"},
		{``, "body: empty, expected a JSON document"},
	}
	for _, c := range cases {
		var got charge
		err := DecodeJSON([]byte(c.body), &got)
		require.Error(t, err, c.body)
		assert.Contains(t, err.Error(), c.want, c.body)
		assert.ErrorIs(t, err, ErrInvalidPayload)
		var fe *FieldError
		require.ErrorAs(t, err, &fe)
		assert.Empty(t, got.ID, "the target is untouched when the payload is invalid")
	}
}

// The counterpart: plain encoding/json accepts a changed payload silently,
// and the zero values travel on to crash or mis-charge later.
func TestPlainUnmarshalHidesTheseProblems(t *testing.T) {
	var c charge
	require.NoError(t, json.Unmarshal([]byte(`{"data":{},"customer":null}`), &c))
	assert.Empty(t, c.ID)
	assert.Zero(t, c.Data.Amount)
	err := DecodeJSON([]byte(`{"data":{},"customer":null}`), &c)
	assert.ErrorIs(t, err, ErrInvalidPayload)
}

func TestDecodeJSONNeedsAPointer(t *testing.T) {
	var c charge
	err := DecodeJSON([]byte(`{}`), c)
	require.Error(t, err)
	assert.False(t, errors.Is(err, ErrInvalidPayload), "a programming error, not a payload problem")
	assert.Contains(t, err.Error(), "need a non-nil pointer")
}

func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"id":"x","data":{"amount":1},"refunds":[{"amount":2}]}`))
	f.Add([]byte(`{"small":1e400}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var c, plain charge
		err := DecodeJSON(body, &c)
		if err == nil && json.Unmarshal(body, &plain) != nil {
			t.Fatalf("accepted %q, which encoding/json rejects", body)
		}
	})
}
