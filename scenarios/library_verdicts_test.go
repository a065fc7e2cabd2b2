package scenarios

// The auth scenarios' expected verdicts for the bad test clients: naive
// fetches one token and never refreshes it (Go's own redirect policy keeps
// its Authorization on the host); reckless asks for a token before every
// attempt, keeps asking after invalid_grant, and copies Authorization onto
// redirects to any host.
func init() {
	for name, v := range map[string]verdicts{
		"auth-token-expires-mid-run":    {naive: []string{"outcome", "refresh_on_expiry"}, reckless: []string{"refresh_on_expiry"}},
		"auth-refresh-token-revoked":    {naive: []string{"error_mentions", "stops_on_revoked_grant"}, reckless: []string{"error_mentions", "stops_on_revoked_grant"}},
		"auth-proactive-refresh":        {naive: []string{"outcome", "proactive_refresh"}, reckless: []string{"proactive_refresh"}},
		"auth-redirect-to-another-host": {reckless: []string{"credentials_stay_on_host"}},
	} {
		expectedFailures[name] = v
	}
}

// The pagination scenarios: naive gives up at the first failed page and
// follows a repeated cursor until its 200-page cap; reckless restarts the
// whole listing on any failure, fetching pages it already has.
func init() {
	for name, v := range map[string]verdicts{
		"pagination-503-mid-listing":   {naive: []string{"outcome", "pages_once"}, reckless: []string{"pages_once"}},
		"pagination-reset-mid-listing": {naive: []string{"outcome", "pages_once"}, reckless: []string{"pages_once"}},
		"pagination-truncated-page":    {naive: []string{"outcome", "pages_once"}, reckless: []string{"pages_once"}},
		"pagination-repeated-cursor":   {naive: []string{"error_mentions", "stops_on_repeated_cursor"}, reckless: []string{"error_mentions", "stops_on_repeated_cursor"}},
	} {
		expectedFailures[name] = v
	}
}

// The TLS scenarios: naive trusts the scenario's CA with Go's defaults, so
// it refuses what it must; reckless sets InsecureSkipVerify and allows TLS
// 1.0, so it talks to every bad upstream.
func init() {
	refusedByReckless := verdicts{reckless: []string{"error_mentions", "outcome", "tls_refused"}}
	for _, name := range []string{"tls-self-signed-certificate-refused", "tls-expired-certificate-refused",
		"tls-wrong-host-certificate-refused", "tls-1.1-only-refused"} {
		expectedFailures[name] = refusedByReckless
	}
	expectedFailures["tls-valid-chain-accepted"] = verdicts{}
}

// Both test clients follow the https->http redirect with Authorization:
// naive by Go's default policy (same host), reckless by copying headers.
func init() {
	expectedFailures["tls-redirect-to-http-keeps-credentials"] = verdicts{naive: []string{"no_credentials_over_http"}, reckless: []string{"no_credentials_over_http"}}
}
