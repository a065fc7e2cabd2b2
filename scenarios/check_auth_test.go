package scenarios

import (
	"fmt"
	"net/http"

	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/fault/journal"
	"github.com/faultline-dev/faultline/report"
)

// Journal entries as the oauth fault records them.

// grant is a token request that issued access token n, living lifeS seconds.
func grant(seq, atMs, n, lifeS int) journal.Entry {
	return entryAt(seq, atMs, 200, func(e *journal.Entry) {
		e.Method, e.Path = http.MethodPost, "/oauth/token"
		e.Faults = []journal.Applied{{Type: "oauth", Params: map[string]string{"grant": "client_credentials",
			"issued": fmt.Sprintf("at#%d", n), "expires_in": fmt.Sprint(lifeS)}}}
	})
}

// refused is a refresh grant answered invalid_grant.
func refused(seq, atMs int) journal.Entry {
	return entryAt(seq, atMs, 400, func(e *journal.Entry) {
		e.Method, e.Path = http.MethodPost, "/oauth/token"
		e.Faults = []journal.Applied{{Type: "oauth", Params: map[string]string{"grant": "refresh_token", "refresh": "rt#1", "error": "invalid_grant"}}}
	})
}

// use is an API request carrying access token n, judged verdict.
func use(seq, atMs, n int, verdict string) journal.Entry {
	status := 200
	if verdict != fault.TokenValid {
		status = 401
	}
	return entryAt(seq, atMs, status, func(e *journal.Entry) {
		e.Faults = []journal.Applied{{Type: "oauth", Params: map[string]string{"token": fmt.Sprintf("at#%d", n), "verdict": verdict}}}
	})
}

func concurrent(c Call, n int) Call { c.Concurrency = n; return c }

// redirected is a request arriving at host, with or without credentials,
// after a redirect the upstream sent to that host.
func redirectedTo(seq int, host string, headers map[string]string) []journal.Entry {
	from := entryAt(seq, 0, 307, func(e *journal.Entry) {
		e.Host = "127.0.0.1:8080"
		e.Faults = []journal.Applied{{Type: "redirect", Params: map[string]string{"to": host}}}
	})
	to := entryAt(seq+1, 2, 200, func(e *journal.Entry) { e.Host, e.Headers = host, headers })
	return []journal.Entry{from, to}
}

func init() {
	checkCases = append(checkCases, authCheckCases...)
	checkDecodeErrors = append(checkDecodeErrors, []struct{ check, value, says string }{
		{"refresh_on_expiry", ` {once: true}`, `takes no parameters`},
		{"proactive_refresh", ` 80%`, `takes no parameters`},
		{"stops_on_revoked_grant", ` 1`, `takes no parameters`},
		{"credentials_stay_on_host", ` [Authorization]`, `takes no parameters`},
	}...)
}

var authCheckCases = []checkCase{
	// refresh_on_expiry
	{"refresh_on_expiry: one refresh per expired token, shared by concurrent callers", "refresh_on_expiry",
		func() *Observation {
			return observed(scen(concurrent(gets(6), 2)), grant(1, 0, 1, 3600), use(2, 5, 1, "valid"), use(3, 6, 1, "used_up"),
				use(4, 7, 1, "used_up"), grant(5, 10, 2, 3600), use(6, 12, 2, "valid"), use(7, 13, 2, "valid"))
		}, report.Passed, "1 token expired in use, 2 token requests"},
	{"refresh_on_expiry: every caller refreshed on its own", "refresh_on_expiry:",
		func() *Observation {
			return observed(scen(concurrent(gets(6), 2)), grant(1, 0, 1, 3600), use(2, 5, 1, "used_up"), use(3, 6, 1, "used_up"),
				grant(4, 10, 2, 3600), grant(5, 11, 3, 3600), use(6, 12, 3, "valid"))
		}, report.Failed, "1 token request replaced a token that still worked"},
	{"refresh_on_expiry: never refreshed", "refresh_on_expiry:",
		func() *Observation {
			return observed(scen(gets(3)), grant(1, 0, 1, 3600), use(2, 5, 1, "valid"), use(3, 6, 1, "used_up"))
		}, report.Failed, "at#1 was rejected and never replaced"},
	{"refresh_on_expiry: a rejected token retried", "refresh_on_expiry:",
		func() *Observation {
			return observed(scen(gets(1)), grant(1, 0, 1, 3600), use(2, 5, 1, "used_up"), use(3, 6, 1, "used_up"),
				grant(4, 10, 2, 3600), use(5, 12, 2, "valid"))
		}, report.Failed, "at#1 was sent 2 times after it stopped working (at most 1 request was in flight)"},
	{"refresh_on_expiry: a token replaced within half its lifetime", "refresh_on_expiry:",
		func() *Observation {
			return observed(scen(gets(2)), grant(1, 0, 1, 3600), use(2, 5, 1, "valid"), grant(3, 6, 2, 3600), use(4, 7, 2, "valid"))
		}, report.Failed, "1 token request replaced a token that still worked"},
	{"refresh_on_expiry: replaced before it expired is nothing to judge", "refresh_on_expiry:",
		func() *Observation {
			// a proactive client (80% of a 2s lifetime) never meets the 401
			return observed(scen(gets(2)), grant(1, 0, 1, 2), use(2, 5, 1, "valid"), grant(3, 1600, 2, 2), use(4, 1610, 2, "valid"))
		}, report.Skipped, "never rejected an expired token, so nothing was judged"},
	{"refresh_on_expiry: no token at all", "refresh_on_expiry:",
		func() *Observation { return observed(scen(gets(1)), entryAt(1, 0, 401)) },
		report.Failed, "requested no token"},

	// proactive_refresh
	{"proactive_refresh: replaced at 80% of its lifetime", "proactive_refresh",
		func() *Observation {
			return observed(scen(gets(4)), grant(1, 0, 1, 2), use(2, 100, 1, "valid"), use(3, 1500, 1, "valid"),
				grant(4, 1650, 2, 2), use(5, 1660, 2, "valid"), use(6, 2500, 2, "valid"))
		}, report.Passed, "2 token requests"},
	{"proactive_refresh: waited for the expiry", "proactive_refresh:",
		func() *Observation {
			return observed(scen(gets(3)), grant(1, 0, 1, 2), use(2, 100, 1, "valid"), use(3, 2100, 1, "expired"),
				grant(4, 2110, 2, 2), use(5, 2120, 2, "valid"))
		}, report.Failed, "at#1 was sent after it expired"},
	{"proactive_refresh: a token per call", "proactive_refresh:",
		func() *Observation {
			return observed(scen(gets(2)), grant(1, 0, 1, 2), use(2, 5, 1, "valid"), grant(3, 100, 2, 2), use(4, 105, 2, "valid"))
		}, report.Failed, "at#2 replaced at#1 after 100ms of its 2s lifetime"},
	{"proactive_refresh: a run shorter than a lifetime is nothing to judge", "proactive_refresh:",
		func() *Observation { return observed(scen(gets(1)), grant(1, 0, 1, 2), use(2, 5, 1, "valid")) },
		report.Skipped, "stopped before its first token expired, so nothing was judged"},

	// stops_on_revoked_grant
	{"stops_on_revoked_grant: stopped at invalid_grant", "stops_on_revoked_grant",
		func() *Observation {
			return observed(scen(gets(3)), grant(1, 0, 1, 3600), use(2, 5, 1, "valid"), use(3, 6, 1, "used_up"), refused(4, 7))
		}, report.Passed, "0 token requests and 0 API calls after it"},
	{"stops_on_revoked_grant: kept refreshing", "stops_on_revoked_grant:",
		func() *Observation {
			return observed(scen(gets(3)), grant(1, 0, 1, 3600), use(2, 6, 1, "used_up"), refused(3, 7), refused(4, 8), refused(5, 9))
		}, report.Failed, "kept asking for tokens after the grant was revoked"},
	{"stops_on_revoked_grant: kept calling the API", "stops_on_revoked_grant:",
		func() *Observation {
			return observed(scen(gets(3)), grant(1, 0, 1, 3600), use(2, 6, 1, "used_up"), refused(3, 7), use(4, 8, 1, "used_up"))
		}, report.Failed, "kept calling the API after the grant was revoked"},
	{"stops_on_revoked_grant: never refreshed is nothing to judge", "stops_on_revoked_grant:",
		func() *Observation { return observed(scen(gets(2)), grant(1, 0, 1, 3600), use(2, 5, 1, "used_up")) },
		report.Failed, "never answered invalid_grant"},

	// credentials_stay_on_host
	{"credentials_stay_on_host: dropped on the redirect", "credentials_stay_on_host",
		func() *Observation { return observed(scen(gets(1)), redirectedTo(1, "localhost:8080", nil)...) },
		report.Passed, "1 request reached localhost:8080, 0 with credentials"},
	{"credentials_stay_on_host: the bearer token followed the redirect", "credentials_stay_on_host:",
		func() *Observation {
			return observed(scen(gets(1)), redirectedTo(1, "localhost:8080", map[string]string{"Authorization": "Bearer ***"})...)
		}, report.Failed, "Authorization sent to localhost:8080"},
	{"credentials_stay_on_host: a redirect not followed leaks nothing", "credentials_stay_on_host:",
		func() *Observation { return observed(scen(gets(1)), redirectedTo(1, "localhost:8080", nil)[0]) },
		report.Passed, "0 requests reached localhost:8080, 0 with credentials"},
	{"credentials_stay_on_host: no redirect is nothing to judge", "credentials_stay_on_host:",
		func() *Observation { return observed(scen(gets(1)), entryAt(1, 0, 200)) },
		report.Skipped, "never redirected to another host, so nothing was judged"},
	{"credentials_stay_on_host: no request at all", "credentials_stay_on_host:",
		func() *Observation { return observed(scen(gets(1))) },
		report.Failed, "no request reached the upstream"},
}
