package scenarios

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/fault/journal"
	"github.com/faultline-dev/faultline/internal/english"
	"github.com/faultline-dev/faultline/report"
)

func init() {
	registerCheck("refresh_on_expiry", func(d *checkDecode) (Check, error) { return refreshOnExpiryCheck{}, d.noParams() })
	registerCheck("proactive_refresh", func(d *checkDecode) (Check, error) { return proactiveRefreshCheck{}, d.noParams() })
	registerCheck("stops_on_revoked_grant", func(d *checkDecode) (Check, error) { return revokedGrantCheck{}, d.noParams() })
	registerCheck("credentials_stay_on_host", func(d *checkDecode) (Check, error) { return credentialsOnHostCheck{}, d.noParams() })
}

// authEvent is what the upstream's oauth fault journaled of one request:
// a token request (grant, issued, refresh, error) or an API request
// carrying a token (token, verdict).
type authEvent struct {
	e                                 journal.Entry
	grant, issued, refresh, errorCode string
	token, verdict                    string
	lifetime                          time.Duration
}

func (a authEvent) rejected() bool {
	return a.verdict == fault.TokenExpired || a.verdict == fault.TokenUsedUp
}

// replacedEarly reports whether grant next replaced the token issued by a
// before half of its lifetime: sooner than any proactive refresh (which
// replaces a token from about half to all of its lifetime), so a second
// refresh where one would do.
func (a authEvent) replacedEarly(next authEvent) bool {
	return next.e.Time.Sub(a.e.Time) < a.lifetime/2
}

// authEvents lists the journal's oauth events in sequence order.
func authEvents(entries []journal.Entry) []authEvent {
	var out []authEvent
	for _, e := range entries {
		for _, a := range e.Faults {
			if a.Type != "oauth" {
				continue
			}
			p := a.Params
			ev := authEvent{e: e, grant: p["grant"], issued: p["issued"], refresh: p["refresh"], errorCode: p["error"],
				token: p["token"], verdict: p["verdict"]}
			if s, err := strconv.Atoi(p["expires_in"]); err == nil {
				ev.lifetime = time.Duration(s) * time.Second
			}
			out = append(out, ev)
		}
	}
	return out
}

// inFlight is how many requests the client may have had in flight at
// once: the most concurrent workers any call asked for. A token already
// rejected may still arrive that many times from requests sent before
// the rejection reached the client.
func (o *Observation) inFlight() int {
	n := 1
	for _, c := range o.Scenario.Client.Calls {
		n = max(n, c.Concurrency)
	}
	return n
}

// refreshOnExpiryCheck: every access token the upstream stopped accepting
// (401 invalid_token) was replaced by exactly one token request, no token
// that still worked was replaced within half its lifetime (concurrent
// callers share one refresh; replacing it later is a proactive refresh),
// and a rejected token was not sent again beyond the requests already in
// flight. A client that replaced every token before it was rejected is
// not judged.
type refreshOnExpiryCheck struct{}

func (refreshOnExpiryCheck) Name() string { return "refresh_on_expiry" }

func (c refreshOnExpiryCheck) Evaluate(o *Observation) report.Check {
	rejected, replaced := map[string]int{}, map[string]int{}
	var order, ev []string
	current, unneeded, grants := "", 0, 0
	var issued authEvent
	for _, a := range authEvents(o.Journal) {
		switch {
		case a.issued != "":
			grants++
			switch {
			case current == "":
			case rejected[current] > 0:
				replaced[current]++
			case !issued.replacedEarly(a):
				// replaced before it expired, as a proactive client does
			default:
				unneeded++
				ev = append(ev, fmt.Sprintf("%s replaced %s, which still worked: %s", a.issued, current, o.Line(a.e)))
			}
			current, issued = a.issued, a
		case a.rejected():
			if rejected[a.token] == 0 {
				order = append(order, a.token)
			}
			rejected[a.token]++
		}
	}
	var problems []string
	for _, tok := range order {
		if replaced[tok] == 0 {
			problems = append(problems, fmt.Sprintf("%s was rejected and never replaced", tok))
		}
		if n := rejected[tok]; n > o.inFlight() {
			problems = append(problems, fmt.Sprintf("%s was sent %s after it stopped working (at most %s in flight)", tok, english.Count(n, "time"), english.CountAs(o.inFlight(), "request was", "requests were")))
		}
	}
	if unneeded > 0 {
		problems = append(problems, fmt.Sprintf("%s replaced a token that still worked: concurrent callers must share one refresh", english.Count(unneeded, "token request")))
	}
	expected := "each expired token replaced by exactly one token request, then the call retried with the new one"
	observed := fmt.Sprintf("%s expired in use, %s", english.Count(len(order), "token"), english.Count(grants, "token request"))
	msg := firstOr(problems, "")
	if len(order) == 0 && len(problems) == 0 {
		if grants == 0 {
			return verdict(c.Name(), false, expected, observed, "the client requested no token", nil)
		}
		// A client that replaces its tokens before they expire never
		// meets the rejection this check judges the answer to.
		return notJudged(c.Name(), expected, observed, "the upstream never rejected an expired token, so nothing was judged")
	}
	return verdict(c.Name(), msg == "", expected, observed, msg, limit(append(problems, ev...), 8))
}

// proactiveRefreshCheck: the client replaced each token before it expired
// (no request was rejected as expired), and not more than once per
// lifetime: two token requests are at least half a lifetime apart, a
// tolerance for clients that refresh anywhere from 50% to 100% of it.
type proactiveRefreshCheck struct{}

func (proactiveRefreshCheck) Name() string { return "proactive_refresh" }

func (c proactiveRefreshCheck) Evaluate(o *Observation) report.Check {
	var grants []authEvent
	var problems []string
	var lastUse time.Time
	for _, a := range authEvents(o.Journal) {
		switch {
		case a.issued != "":
			if n := len(grants); n > 0 {
				prev := grants[n-1]
				if gap := a.e.Time.Sub(prev.e.Time); gap < prev.lifetime/2 {
					problems = append(problems, fmt.Sprintf("%s replaced %s after %s of its %s lifetime", a.issued, prev.issued, fmtDur(gap), prev.lifetime))
				}
			}
			grants = append(grants, a)
		case a.verdict == fault.TokenExpired:
			problems = append(problems, fmt.Sprintf("%s was sent after it expired: %s", a.token, o.Line(a.e)))
		case a.verdict == fault.TokenValid:
			lastUse = a.e.Time
		}
	}
	expected := "tokens replaced before they expire, at most once per half lifetime"
	observed := english.Count(len(grants), "token request")
	msg := firstOr(problems, "")
	switch {
	case len(grants) == 0:
		msg = "the client requested no token, so nothing was judged"
	case len(grants) == 1 && lastUse.Before(grants[0].e.Time.Add(grants[0].lifetime)) && len(problems) == 0:
		return notJudged(c.Name(), expected, observed, "the client stopped before its first token expired, so nothing was judged")
	}
	return verdict(c.Name(), msg == "", expected, observed, msg, limit(problems, 8))
}

// revokedGrantCheck: once the token endpoint answered invalid_grant (the
// user's grant was revoked), the client stopped: no further token
// requests and no further API calls, beyond those already in flight.
type revokedGrantCheck struct{}

func (revokedGrantCheck) Name() string { return "stops_on_revoked_grant" }

func (c revokedGrantCheck) Evaluate(o *Observation) report.Check {
	var revokedAt uint64
	tokenAfter, apiAfter := 0, 0
	var ev []string
	for _, a := range authEvents(o.Journal) {
		switch {
		case revokedAt == 0 && a.errorCode == "invalid_grant":
			revokedAt = a.e.Seq
			ev = append(ev, "revoked: "+o.Line(a.e))
		case revokedAt == 0:
		case a.grant != "":
			tokenAfter++
			ev = append(ev, "token request after: "+o.Line(a.e))
		default:
			apiAfter++
			ev = append(ev, "API call after: "+o.Line(a.e))
		}
	}
	allowed := o.inFlight() - 1
	expected := fmt.Sprintf("no token request and no API call after invalid_grant (at most %d already in flight)", allowed)
	observed := fmt.Sprintf("%s and %s after it", english.Count(tokenAfter, "token request"), english.Count(apiAfter, "API call"))
	msg := ""
	switch {
	case revokedAt == 0:
		msg = "the token endpoint never answered invalid_grant (the client never refreshed), so nothing was judged"
	case tokenAfter > allowed:
		msg = "the client kept asking for tokens after the grant was revoked: it must stop and ask for reauthorisation"
	case apiAfter > allowed:
		msg = "the client kept calling the API after the grant was revoked"
	}
	return verdict(c.Name(), msg == "", expected, observed, msg, limit(ev, 8))
}

// credentialsOnHostCheck: after a redirect to another host, no request to
// that host carried the credentials meant for the first (Authorization,
// cookies, API-key headers). Refusing to follow the redirect passes: no
// credentials can leak (outcome judges whether the call got its answer).
type credentialsOnHostCheck struct{}

func (credentialsOnHostCheck) Name() string { return "credentials_stay_on_host" }

var credentialHeaders = []string{"Authorization", "Cookie", "X-Api-Key", "Api-Key"}

func (c credentialsOnHostCheck) Evaluate(o *Observation) report.Check {
	targets := map[string]bool{}
	for _, e := range o.Journal {
		for _, a := range e.Faults {
			if to := a.Params["to"]; a.Type == "redirect" && to != "" {
				targets[to] = true
			}
		}
	}
	reached, leaked := 0, 0
	var ev []string
	for _, e := range o.Journal {
		if !targets[e.Host] {
			continue
		}
		reached++
		var sent []string
		for _, h := range credentialHeaders {
			if e.Headers[h] != "" {
				sent = append(sent, h)
			}
		}
		if len(sent) > 0 {
			leaked++
			ev = append(ev, fmt.Sprintf("%s sent to %s: %s", strings.Join(sent, ", "), e.Host, o.Line(e)))
		}
	}
	hosts := make([]string, 0, len(targets))
	for h := range targets {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	expected := "no credentials sent to another host after a redirect"
	observed := fmt.Sprintf("%s reached %s, %d with credentials", english.Count(reached, "request"), orNone(hosts), leaked)
	msg := ""
	switch {
	case len(targets) == 0 && len(o.Journal) > 0:
		return notJudged(c.Name(), expected, observed, "the upstream never redirected to another host, so nothing was judged")
	case len(targets) == 0:
		msg = "no request reached the upstream"
	case leaked > 0:
		msg = "credentials for one host were sent to another: a redirect must drop Authorization and cookies when the host changes"
	}
	return verdict(c.Name(), msg == "", expected, observed, msg, limit(ev, 8))
}

func orNone(xs []string) string {
	if len(xs) == 0 {
		return "another host"
	}
	return strings.Join(xs, ", ")
}
