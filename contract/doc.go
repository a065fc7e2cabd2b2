// Package contract makes a provider's OpenAPI document faultline's
// contract: it serves every operation as a mock, judges requests and
// responses against it, and supplies the schema-driven mutations that the
// malformed fault applies.
//
// # Loading
//
// [Load] reads OpenAPI 3.0 and 3.1, YAML or JSON, with $ref across files,
// using github.com/pb33f/libopenapi (it builds the specs providers really
// ship, defects included). A spec's own defects (an unresolvable $ref, a
// path key with a query string, an example that breaks its schema) become
// [Warning]s; only a file that is not an OpenAPI 3 document is an error.
//
// # Serving
//
// [Spec.Handler] answers each operation with its documented success
// status and a body: the first example valid for its schema, else a value
// generated from the schema by the seed (deterministic; required
// properties and formats honoured). A request the contract rejects gets a
// 400 naming the field, shaped like the provider's documented error. The
// handler is a base handler: fault plans wrap it exactly as they wrap a
// stub, a proxy or a cassette replay.
//
//	spec, err := contract.Load("openapi.yaml")
//	h := fault.Wrap(spec.Handler(seed), plan, fault.WithInspect(spec.Inspect))
//
// [Spec.Inspect] validates every request before routing, so the journal
// records the operation and any violation even when a fault answers first;
// the requests_conform check reads those notes.
//
// # Validating
//
// [Spec.ValidateRequest] and [Spec.ValidateResponse] use
// github.com/pb33f/libopenapi-validator with its schemas compiled on first
// use rather than all up front (which takes 10-20 s on large specs).
//
// # Verifying cassettes
//
// [Spec.Verify] judges a cassette's recorded interactions offline, and
// [Spec.VerifyReport] turns the verdicts into a report of kind "verify"
// (a case per interaction) for package report's renderers: that is
// faultline cassette verify.
package contract
