package resilience

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// Class is what an attempt's outcome means for the decision to retry.
type Class int

// The classes, from the model of upstream failures.
const (
	// ClassOK is a 1xx-3xx response read in full.
	ClassOK Class = iota
	// ClassTransient: the upstream did not act and may succeed soon: a
	// connection error before the request was written, 408, 502, 503, 504.
	ClassTransient
	// ClassRateLimited: 429, or 503 with Retry-After. Retried after the
	// server's wait; lowers the host's rate.
	ClassRateLimited
	// ClassClientError: 4xx, or a request that cannot work (bad URL,
	// untrusted certificate, a body over max_response_bytes). Never retried.
	ClassClientError
	// ClassAmbiguous: the upstream may have acted: 500 and other 5xx, or a
	// timeout, reset or broken body after the request was written. Retried
	// only when the call is idempotent or carries an idempotency key.
	ClassAmbiguous
	// ClassRejected: the client refused locally (circuit open, bulkhead
	// full, retry budget spent, no time left); nothing was sent.
	ClassRejected
	numClasses
)

var classNames = [numClasses]string{"ok", "transient", "rate_limited", "client_error", "ambiguous", "rejected"}

func (c Class) String() string {
	if c < 0 || c >= numClasses {
		return "unknown"
	}
	return classNames[c]
}

// MarshalText writes the class name, so JSON maps keyed by Class read well.
func (c Class) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// retryable reports whether an outcome of class c may be retried for a call
// that is (or is not) safe to repeat.
func (c Class) retryable(safe bool) bool {
	switch c {
	case ClassTransient, ClassRateLimited:
		return true
	case ClassAmbiguous:
		return safe
	}
	return false
}

// classifyStatus classifies a response status; hasRetryAfter tells a
// throttling 503 from an outage.
func classifyStatus(code int, hasRetryAfter bool) Class {
	switch {
	case code < 400:
		return ClassOK
	case code == http.StatusTooManyRequests:
		return ClassRateLimited
	case code == http.StatusServiceUnavailable && hasRetryAfter:
		return ClassRateLimited
	case code == http.StatusRequestTimeout, code == http.StatusBadGateway,
		code == http.StatusServiceUnavailable, code == http.StatusGatewayTimeout:
		return ClassTransient
	case code < 500:
		return ClassClientError
	}
	return ClassAmbiguous
}

// classifyError classifies a transport error. written says whether the
// request reached the server in full (or may have: unknown counts as yes).
func classifyError(err error, written bool) Class {
	var uerr *url.Error
	if errors.As(err, &uerr) && uerr.Op == "parse" {
		return ClassClientError
	}
	var cert x509.UnknownAuthorityError
	var host x509.HostnameError
	var inv x509.CertificateInvalidError
	if errors.As(err, &cert) || errors.As(err, &host) || errors.As(err, &inv) || tlsVersionRefused(err) {
		return ClassClientError
	}
	if errors.Is(err, errUnsupportedScheme) {
		return ClassClientError
	}
	if written {
		return ClassAmbiguous
	}
	return ClassTransient
}

var errUnsupportedScheme = errors.New("unsupported URL scheme: use http or https")

// Kind is the kind of operation a request performs; it picks the attempt
// timeout. The zero Kind is inferred from the method.
type Kind string

// The kinds of operation.
const (
	KindRead    Kind = "read"    // GET, HEAD, OPTIONS
	KindCreate  Kind = "create"  // POST
	KindUpdate  Kind = "update"  // PUT, PATCH, DELETE
	KindPayment Kind = "payment" // set explicitly
	KindUpload  Kind = "upload"  // set explicitly
)

func kindOf(method string) Kind {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return KindRead
	case http.MethodPost:
		return KindCreate
	}
	return KindUpdate
}

// idempotentMethod reports whether repeating method is safe by RFC 9110.
func idempotentMethod(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace,
		http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// needsKey reports whether method gets an idempotency key.
func needsKey(method string) bool {
	return method == http.MethodPost || method == http.MethodPatch
}

// tlsVersionRefused reports a handshake that failed on the protocol
// version (the server offers only versions below the client's minimum):
// as permanent as a bad certificate, so not retried. Over TCP crypto/tls
// reports the peer's alert as an unexported type: its text is the test.
func tlsVersionRefused(err error) bool {
	var alert tls.AlertError
	return errors.As(err, &alert) && alert == 70 || strings.Contains(err.Error(), "tls: protocol version not supported")
}
