package resilience

import (
	"log/slog"
	"net/url"

	"github.com/faultline-dev/faultline/internal/secrets"
)

// maskURL returns u as a string for logs and errors, masked by faultline's
// one secret policy (package internal/secrets): the password of its
// userinfo, credential query and path parameters (token, api_key, sig,
// code...; not idempotency_key or zipcode) and known key formats, each
// replaced by secrets.Placeholder.
func maskURL(u *url.URL) string { return secrets.MaskURL(u, secrets.Placeholder) }

// safeURL logs a URL masked, computing the mask only if the record is kept.
type safeURL struct{ u *url.URL }

func (s safeURL) LogValue() slog.Value { return slog.StringValue(maskURL(s.u)) }
