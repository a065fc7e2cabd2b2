package contract

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/pb33f/jsonschema/v6"
	"github.com/pb33f/libopenapi-validator/config"
	liberrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/helpers"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// The fast path: most requests conform, and for those the validator's
// per-request set-up (options, route state, a copy of the decoded body)
// costs more than the judging. conforms answers "valid" for a JSON request
// by decoding the body once and running the schema the validator itself
// would compile (same function, same options), and runs the validator's
// parameter checks only for the kinds of parameters the operation has.
// Anything else (a failure, a form or XML body, a schema that does not
// compile) answers false, and the full validator judges the request and
// names the fields: the verdict is the validator's either way.

// bodySchemas caches the compiled request body schema per media type; a
// nil entry means "not compilable here: use the validator".
// The compiled schemas are shared with the validator (its cache, its key),
// so a schema compiles once whichever path meets it first.
type bodySchemas struct {
	opts     *config.ValidationOptions
	version  float32
	compiled *lazyCache
	m        sync.Map // *v3.MediaType -> *jsonschema.Schema (or nil)

	// media caches which media type of a request body a Content-Type
	// header selects (parsing it costs more allocations than the rest of
	// the fast path but the body); bounded, since clients choose headers.
	media  sync.Map // mediaKey -> *v3.MediaType (nil: none)
	mediaN atomic.Int32
}

type mediaKey struct {
	rb *v3.RequestBody
	ct string
}

// maxMedia bounds the media cache: beyond it, look-ups are not kept.
const maxMedia = 1024

// mediaType is helpers.FindMediaType, remembered per body and header.
func (b *bodySchemas) mediaType(rb *v3.RequestBody, ct string) (*v3.MediaType, bool) {
	k := mediaKey{rb, ct}
	if v, ok := b.media.Load(k); ok {
		mt := v.(*v3.MediaType)
		return mt, mt != nil
	}
	mt, ok := helpers.FindMediaType(rb.Content, ct)
	if !ok {
		mt = nil
	}
	if b.mediaN.Load() < maxMedia {
		if _, loaded := b.media.LoadOrStore(k, mt); !loaded {
			b.mediaN.Add(1)
		}
	}
	return mt, ok
}

func newBodySchemas(version string, opts []config.Option, compiled *lazyCache) *bodySchemas {
	return &bodySchemas{opts: config.NewValidationOptions(opts...), version: helpers.VersionToFloat(version), compiled: compiled}
}

func (b *bodySchemas) get(mt *v3.MediaType) *jsonschema.Schema {
	if v, ok := b.m.Load(mt); ok {
		return v.(*jsonschema.Schema)
	}
	v, _ := b.m.LoadOrStore(mt, b.compile(mt.Schema.Schema()))
	return v.(*jsonschema.Schema)
}

func (b *bodySchemas) compile(s *base.Schema) *jsonschema.Schema {
	if s == nil || s.GoLow() == nil {
		return nil
	}
	key := schema_validation.SchemaCacheKey(s.GoLow().Hash(), b.version, schema_validation.SchemaValidationPurposeRequestBody)
	if e, ok := b.compiled.Load(key); ok && e != nil && e.CompiledSchema != nil {
		return e.CompiledSchema
	}
	c, err := schema_validation.CompileSchemaForValidation(s, schema_validation.SchemaValidationPurposeRequestBody, b.opts, b.version)
	if err != nil || c == nil {
		return nil
	}
	b.compiled.Store(key, c.ToCacheEntry(s))
	return c.CompiledSchema
}

// conforms reports whether the request is certainly valid for op.
func (s *Spec) conforms(op *Operation, r *http.Request, body []byte) bool {
	return s.paramsConform(op, r) && s.bodyConforms(op, r, body)
}

func (s *Spec) paramsConform(op *Operation, r *http.Request) bool {
	if op.params == 0 {
		return true
	}
	pv := s.validator.GetParameterValidator()
	for _, c := range []struct {
		kind  paramKinds
		check func(*http.Request, *v3.PathItem, string) (bool, []*liberrors.ValidationError)
	}{
		{inPath, pv.ValidatePathParamsWithPathItem},
		{inQuery, pv.ValidateQueryParamsWithPathItem},
		{inHeader, pv.ValidateHeaderParamsWithPathItem},
		{inCookie, pv.ValidateCookieParamsWithPathItem},
	} {
		if op.params&c.kind == 0 {
			continue
		}
		if ok, _ := c.check(r, op.item, op.Path); !ok {
			return false
		}
	}
	return true
}

func (s *Spec) bodyConforms(op *Operation, r *http.Request, body []byte) bool {
	rb := op.op.RequestBody
	if rb == nil {
		return true
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return rb.Required == nil || !*rb.Required
	}
	mt, ok := s.bodies.mediaType(rb, ct)
	if !ok || !strings.Contains(strings.ToLower(ct), "json") {
		return false // the validator says why, or judges the form
	}
	if mt.Schema == nil {
		return true
	}
	if len(body) == 0 {
		return false
	}
	sch := s.bodies.get(mt)
	if sch == nil {
		return false
	}
	d := decoders.Get().(*jsonDecoder)
	defer d.put()
	doc, ok := d.decode(body)
	return ok && sch.Validate(doc) == nil
}

// jsonDecoder decodes a body into the value the validator would judge
// (encoding/json into any: map[string]any, []any, float64, string, bool,
// nil), reading it with jsontext, the tokenizer of the json/v2 prototype,
// in one pass and with a fraction of the allocations of a decode through
// reflection: names and unescaped strings are slices of the body, and the
// maps and slices of one decode are cleared and reused by the next (the
// value is judged and dropped; it lives until put). Where jsontext and
// encoding/json differ it refuses what encoding/json accepts (duplicate
// names, invalid UTF-8, numbers beyond float64), and a refusal only sends
// the request to the full validator, which decodes with encoding/json; so
// a value it returns is the one the validator would have judged
// (TestDecodeJSONMatchesEncodingJSON).
type jsonDecoder struct {
	rd  bytes.Reader
	dec *jsontext.Decoder
	src string // the body: strings without escapes are slices of it

	// The maps and slices handed out (objs[:nObj], arrs[:nArr]) and kept
	// for the next decode; bounded, so one large body cannot pin memory.
	objs       []map[string]any
	arrs       [][]any
	nObj, nArr int
}

// Bounds on what a pooled decoder keeps for reuse.
const (
	keptValues = 64 // maps, and slices, per decoder
	keptSize   = 32 // entries of one map or slice
)

var errDuplicateName = errors.New("duplicate object member name")

// allowDuplicates: jsontext's own duplicate-name check keeps a set of
// names per object; the object's map is that set already (object refuses
// a duplicate itself).
var allowDuplicates = jsontext.AllowDuplicateNames(true)

var decoders = sync.Pool{New: func() any { return newJSONDecoder() }}

func newJSONDecoder() *jsonDecoder {
	d := &jsonDecoder{}
	d.dec = jsontext.NewDecoder(&d.rd)
	return d
}

// decode decodes body; the value is valid until the next decode or put,
// and body must not change meanwhile (strings are read from it in place).
func (d *jsonDecoder) decode(body []byte) (any, bool) {
	d.recycle()
	d.rd.Reset(body)
	d.dec.Reset(&d.rd, allowDuplicates)
	d.src = unsafe.String(unsafe.SliceData(body), len(body))
	v, err := d.value()
	if err != nil {
		return nil, false
	}
	if _, err := d.dec.ReadToken(); err != io.EOF {
		return nil, false // trailing data
	}
	return v, true
}

// recycle clears the maps and slices the last decode handed out for the
// next one, dropping those grown past keptSize.
func (d *jsonDecoder) recycle() {
	for i, m := range d.objs[:d.nObj] {
		if len(m) > keptSize {
			d.objs[i] = map[string]any{}
		} else {
			clear(m)
		}
	}
	for i, a := range d.arrs[:d.nArr] {
		if cap(a) > keptSize {
			d.arrs[i] = make([]any, 0, 4)
		} else {
			clear(a[:cap(a)])
			d.arrs[i] = a[:0]
		}
	}
	d.nObj, d.nArr = 0, 0
}

func (d *jsonDecoder) put() {
	d.recycle()
	d.rd.Reset(nil)
	d.dec.Reset(&d.rd)
	d.src = ""
	decoders.Put(d)
}

// newObject is an empty map, reused when the decoder kept one.
func (d *jsonDecoder) newObject() map[string]any {
	if d.nObj < len(d.objs) {
		d.nObj++
		return d.objs[d.nObj-1]
	}
	m := map[string]any{}
	if len(d.objs) < keptValues {
		d.objs = append(d.objs, m)
		d.nObj++
	}
	return m
}

// newArray is an empty slice and the index to give it back under (-1:
// not kept), reused when the decoder kept one.
func (d *jsonDecoder) newArray() ([]any, int) {
	if d.nArr < len(d.arrs) {
		d.nArr++
		return d.arrs[d.nArr-1], d.nArr - 1
	}
	if len(d.arrs) < keptValues {
		d.arrs = append(d.arrs, make([]any, 0, 4))
		d.nArr++
		return d.arrs[d.nArr-1], d.nArr - 1
	}
	return []any{}, -1
}

func (d *jsonDecoder) value() (any, error) {
	switch d.dec.PeekKind() {
	case '{':
		return d.object()
	case '[':
		return d.array()
	}
	raw, err := d.dec.ReadValue()
	if err != nil {
		return nil, err
	}
	switch raw.Kind() {
	case 'n':
		return nil, nil
	case 't':
		return true, nil
	case 'f':
		return false, nil
	case '"':
		return d.str(raw)
	default: // '0'
		return strconv.ParseFloat(string(raw), 64)
	}
}

// str is the string a quoted JSON string (just read) holds.
func (d *jsonDecoder) str(raw jsontext.Value) (string, error) {
	if bytes.IndexByte(raw, '\\') < 0 {
		end := int(d.dec.InputOffset())
		return d.src[end-len(raw)+1 : end-1], nil
	}
	b, err := jsontext.AppendUnquote(nil, raw)
	return string(b), err
}

func (d *jsonDecoder) object() (any, error) {
	if _, err := d.dec.ReadToken(); err != nil {
		return nil, err
	}
	obj := d.newObject()
	for d.dec.PeekKind() != '}' {
		raw, err := d.dec.ReadValue() // a name
		if err != nil {
			return nil, err
		}
		name, err := d.str(raw)
		if err != nil {
			return nil, err
		}
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		n := len(obj)
		obj[name] = v
		if len(obj) == n {
			return nil, errDuplicateName // encoding/json keeps the last
		}
	}
	_, err := d.dec.ReadToken()
	return obj, err
}

func (d *jsonDecoder) array() (any, error) {
	if _, err := d.dec.ReadToken(); err != nil {
		return nil, err
	}
	arr, i := d.newArray()
	for d.dec.PeekKind() != ']' {
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		arr = append(arr, v)
		if i >= 0 {
			d.arrs[i] = arr // grown: keep the new array for reuse
		}
	}
	_, err := d.dec.ReadToken()
	return arr, err
}

// paramKinds is the set of places an operation takes parameters.
type paramKinds uint8

const (
	inPath paramKinds = 1 << iota
	inQuery
	inHeader
	inCookie
)

// kindsOf lists where the operation and its path item take parameters
// (a template with a variable counts as path parameters, declared or not).
func kindsOf(path string, item *v3.PathItem, op *v3.Operation) paramKinds {
	var k paramKinds
	if strings.Contains(path, "{") {
		k |= inPath
	}
	for _, p := range append(append([]*v3.Parameter(nil), item.Parameters...), op.Parameters...) {
		switch p.In {
		case "path":
			k |= inPath
		case "query":
			k |= inQuery
		case "header":
			k |= inHeader
		case "cookie":
			k |= inCookie
		}
	}
	return k
}
