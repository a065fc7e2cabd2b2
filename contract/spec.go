package contract

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	"github.com/pb33f/libopenapi/datamodel"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/index"

	"github.com/faultline-dev/faultline/internal/yamlx"
)

// ErrInvalidSpec is wrapped by every error about a spec that cannot be
// loaded at all; the CLI maps it to exit code 2.
var ErrInvalidSpec = yamlx.ErrInvalid

// specError is a spec that cannot be loaded; it wraps ErrInvalidSpec.
type specError struct{ msg string }

func (e *specError) Error() string { return e.msg }
func (e *specError) Unwrap() error { return ErrInvalidSpec }

func invalid(format string, args ...any) error { return &specError{fmt.Sprintf(format, args...)} }

// Spec is a loaded OpenAPI document: its operations, a router over them,
// and the validator that judges requests and responses against it.
type Spec struct {
	File    string
	Version string // the document's openapi: field, e.g. "3.1.0"
	// Warnings are the spec's own defects, found while loading and when an
	// example breaks its schema: reported, never fatal.
	Warnings []Warning

	model     *v3.Document
	ops       []*Operation
	routes    router
	validator validator.Validator
	schemas   *schemaCheck
	bodies    *bodySchemas // compiled request body schemas, for the fast path

	// variants of the validator, built on first need: [form][plain], where
	// form coerces strings to the schema's scalars (a form body has only
	// strings) and plain drops OpenAPI-mode keywords (for 3.1 schemas that
	// do not compile in that mode). [false][false] is validator.
	variantOnce [2][2]sync.Once
	variant     [2][2]validator.Validator
	warnMu      sync.Mutex // guards Warnings after Load
}

// Warning is one defect of the spec that faultline worked around.
type Warning struct {
	Where   string // "GET /v1/things" or the file
	Message string
}

func (w Warning) String() string { return w.Where + ": " + w.Message }

// Operation is one method on one path template of the spec.
type Operation struct {
	Method string // upper case
	Path   string // the template, without any query string of its key
	// Query holds the parameters a path key carries in a query string
	// ("/responses?beta=true"): a request must send them to match.
	Query map[string]string
	ID    string // operationId, may be empty
	Key   string // the key under paths:, as written

	op     *v3.Operation
	item   *v3.PathItem
	params paramKinds // where it takes parameters, for the fast path
	name   string     // Name, computed once
	// notes are the journal notes of a request that conforms (the
	// operation's name), built once and shared: see Inspect.
	notes map[string]string
	// conforming is the verdict on a request that conforms, shared the
	// same way.
	conforming *verdict
}

// Name is how reports name the operation: "GET /v1/things/{id}", with its
// operationId when it has one.
func (o *Operation) Name() string {
	if o.name != "" {
		return o.name
	}
	n := o.Method + " " + o.Key
	if o.ID != "" {
		n += " (" + o.ID + ")"
	}
	return n
}

// Operations lists every operation of the spec, in document order.
func (s *Spec) Operations() []*Operation { return s.ops }

// Load reads an OpenAPI 3.0 or 3.1 document (YAML or JSON, with $ref to
// other files relative to it) leniently: what the library cannot build is
// a warning on the operation it concerns; only a file that is not an
// OpenAPI 3 document at all is an error, naming file and line.
func Load(path string) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, invalid("%v", err)
	}
	return load(path, data, true)
}

// LoadData loads a self-contained spec held in memory (embedded in the
// binary); name is used in messages. $refs to other files are not followed.
func LoadData(name string, data []byte) (*Spec, error) { return load(name, data, false) }

func load(path string, data []byte, files bool) (*Spec, error) {
	if err := checkSyntax(path, data); err != nil {
		return nil, err
	}
	cfg := datamodel.NewDocumentConfiguration()
	if files {
		abs, _ := filepath.Abs(path)
		cfg.BasePath = filepath.Dir(abs)
		cfg.SpecFilePath = abs
		cfg.AllowFileReferences = true
	}
	cfg.AllowRemoteReferences = false // never reach the network for a $ref
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.IgnorePolymorphicCircularReferences = true
	cfg.IgnoreArrayCircularReferences = true
	doc, err := libopenapi.NewDocumentWithConfiguration(data, cfg)
	if err != nil {
		return nil, invalid("%s: %v", path, firstLine(err))
	}
	s := &Spec{File: path, Version: doc.GetVersion()}
	if !strings.HasPrefix(s.Version, "3.") {
		return nil, invalid("%s:1: openapi: %q is not OpenAPI 3.0 or 3.1 (convert a Swagger 2 spec first, e.g. with swagger2openapi)", path, s.Version)
	}
	m, err := doc.BuildV3Model()
	if m == nil {
		return nil, invalid("%s: %v", path, firstLine(err))
	}
	s.model = &m.Model
	s.warnBuild(err)
	s.collect()
	s.schemas = newSchemaCheck(s.model)
	var compiled *lazyCache
	s.validator, compiled = newValidator(s.model, s.schemas)
	s.bodies = newBodySchemas(s.model.Version, validatorOptions(s.schemas), compiled)
	return s, nil
}

// checkSyntax parses the file as YAML first so a broken file gets its
// file:line the way plans do.
func checkSyntax(path string, data []byte) error {
	if len(data) > 4<<20 { // big files: let the library say it
		return nil
	}
	_, err := yamlx.Parse(path, data)
	return err
}

// warnBuild keeps what the library could not resolve as warnings.
func (s *Spec) warnBuild(err error) {
	if err == nil {
		return
	}
	seen := map[string]bool{}
	for _, e := range yamlx.Unjoin(err) {
		msg := firstLine(e)
		var circ *index.ResolvingError
		if errors.As(e, &circ) && circ.CircularReference != nil {
			continue // recursive schemas are legal; the renderer bounds depth
		}
		if !seen[msg] && len(seen) < 50 {
			seen[msg] = true
			s.Warnings = append(s.Warnings, Warning{Where: s.File, Message: msg})
		}
	}
}

func firstLine(err error) string {
	if err == nil {
		return "unknown error"
	}
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return msg
}

// collect lists the operations and builds the router.
func (s *Spec) collect() {
	if s.model.Paths == nil || s.model.Paths.PathItems == nil {
		s.Warnings = append(s.Warnings, Warning{Where: s.File, Message: "the spec has no paths: nothing to serve"})
		return
	}
	for p := s.model.Paths.PathItems.First(); p != nil; p = p.Next() {
		key, item := p.Key(), p.Value()
		if item == nil {
			continue
		}
		tmpl, query := splitKey(key)
		if len(query) > 0 {
			s.Warnings = append(s.Warnings, Warning{Where: key, Message: "a path key with a query string is not valid OpenAPI; served when the request carries " + encodeQuery(query)})
		}
		for o := item.GetOperations().First(); o != nil; o = o.Next() {
			op := &Operation{Method: strings.ToUpper(o.Key()), Path: tmpl, Query: query, ID: o.Value().OperationId, Key: key, op: o.Value(), item: item,
				params: kindsOf(tmpl, item, o.Value())}
			op.name = op.Name()
			op.notes = map[string]string{NoteOperation: op.name}
			op.conforming = &verdict{op: op}
			s.ops = append(s.ops, op)
		}
	}
	s.routes = newRouter(s.ops, basePaths(s.model.Servers))
}

// splitKey separates "/responses?beta=true" into its template and query.
func splitKey(key string) (string, map[string]string) {
	tmpl, raw, ok := strings.Cut(key, "?")
	if !ok {
		return key, nil
	}
	q, err := url.ParseQuery(raw)
	if err != nil || len(q) == 0 {
		return tmpl, nil
	}
	out := map[string]string{}
	for k, v := range q {
		out[k] = v[0]
	}
	return tmpl, out
}

func encodeQuery(q map[string]string) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+"="+q[k])
	}
	return strings.Join(parts, "&")
}

// Find returns the operation a request is for, or nil.
func (s *Spec) Find(r *http.Request) *Operation { return s.routes.find(r) }

// newValidator builds libopenapi-validator's validator without compiling
// every schema up front (which takes tens of seconds on large specs):
// schemas compile on first use and stay cached (in the cache returned).
func newValidator(m *v3.Document, sc *schemaCheck, extra ...config.Option) (validator.Validator, *lazyCache) {
	lazy := newLazyCache()
	opts := append(validatorOptions(sc), config.WithSchemaCache(lazy))
	v := validator.NewValidatorFromV3Model(m, append(opts, extra...)...)
	lazy.warm.Store(false)
	return v, lazy
}

// validatorOptions are how faultline judges: formats asserted, form bodies
// validated, security not judged (a mock takes any key).
func validatorOptions(sc *schemaCheck) []config.Option {
	return []config.Option{
		config.WithRegexCache(sc.regex),
		config.WithSchemaResourceCache(sc.resources),
		config.WithURLEncodedBodyValidation(),
		config.WithoutSecurityValidation(),
		config.WithFormatAssertions(),
	}
}
