package contract

import (
	"strconv"
	"strings"
	"sync"

	"github.com/pb33f/libopenapi-validator/cache"
	"github.com/pb33f/libopenapi-validator/config"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// schemaCheck validates a value against one schema of the spec (an example
// before it is served, a generated value, a mutated body).
type schemaCheck struct {
	v       schema_validation.SchemaValidator
	version float32
	regex   *sync.Map
	// resources holds each document rendered as JSON Schema, shared by
	// every validator of the spec: compiling a schema that has $refs
	// renders its whole document, and without one cache each validator
	// variant renders it again.
	resources cache.SchemaResourceCache
}

func newSchemaCheck(m *v3.Document) *schemaCheck {
	regex := &sync.Map{}
	resources := cache.NewDefaultSchemaResourceCache()
	lazy := newLazyCache()
	lazy.warm.Store(false)
	return &schemaCheck{
		v: schema_validation.NewSchemaValidator(config.WithSchemaCache(lazy), config.WithRegexCache(regex),
			config.WithSchemaResourceCache(resources), config.WithFormatAssertions()),
		version:   specVersion(m.Version),
		regex:     regex,
		resources: resources,
	}
}

func specVersion(v string) float32 {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return 3.0
	}
	f, err := strconv.ParseFloat(parts[0]+"."+parts[1], 32)
	if err != nil {
		return 3.0
	}
	return float32(f)
}

// valid reports whether the JSON document is valid for the schema, and the
// first reason when it is not.
func (c *schemaCheck) valid(s *base.Schema, doc []byte) (bool, string) {
	ok, errs := c.v.ValidateSchemaBytesWithVersion(s, doc, c.version)
	if ok {
		return true, ""
	}
	for _, e := range errs {
		for _, f := range e.SchemaValidationErrors {
			if p := fieldPath(f); p != "" {
				return false, p + ": " + f.Reason
			}
			return false, f.Reason
		}
		return false, e.Message
	}
	return false, "invalid"
}
