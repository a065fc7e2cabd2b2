package scenarios

import (
	"fmt"

	"github.com/faultline-dev/faultline/fault/journal"
	"github.com/faultline-dev/faultline/report"
)

// pageAt is a fetch of page n of a listing of pages, asked with cursor
// asked and naming next; fault is the break applied, if any.
func pageAt(seq, n, pages int, asked, next, brk string) journal.Entry {
	return entryAt(seq, seq*10, 200, func(e *journal.Entry) {
		e.Path = "/v1/items"
		p := map[string]string{"page": fmt.Sprint(n), "pages": fmt.Sprint(pages), "asked": asked, "next": next}
		if brk != "" {
			p["fault"], e.Status, e.End = brk, 503, journal.EndComplete
		}
		e.Faults = []journal.Applied{{Type: "paginate", Params: p}}
	})
}

func listing() *Scenario {
	return scen(Call{Method: "GET", Path: "/v1/items", Count: 1, Concurrency: 1, Paginate: "cursor"})
}

func init() {
	checkCases = append(checkCases, paginationCheckCases...)
	checkDecodeErrors = append(checkDecodeErrors, []struct{ check, value, says string }{
		{"pages_once", ` {pages: 3}`, `takes no parameters`},
		{"stops_on_repeated_cursor", ` yes please`, `takes no parameters`},
	}...)
}

var paginationCheckCases = []checkCase{
	// pages_once
	{"pages_once: resumed from the failed page", "pages_once",
		func() *Observation {
			return observed(listing(), pageAt(1, 1, 3, "", "c2", ""), pageAt(2, 2, 3, "c2", "c3", "status"),
				pageAt(3, 2, 3, "c2", "c3", ""), pageAt(4, 3, 3, "c3", "", ""))
		}, report.Passed, "4 page requests for 3 pages, 1 failed by the upstream"},
	{"pages_once: restarted from the first page", "pages_once:",
		func() *Observation {
			return observed(listing(), pageAt(1, 1, 3, "", "c2", ""), pageAt(2, 2, 3, "c2", "c3", "status"),
				pageAt(3, 1, 3, "", "c2", ""), pageAt(4, 2, 3, "c2", "c3", ""), pageAt(5, 3, 3, "c3", "", ""))
		}, report.Failed, "page 1 fetched 2 times after it succeeded"},
	{"pages_once: gave up at the failed page", "pages_once:",
		func() *Observation {
			return observed(listing(), pageAt(1, 1, 3, "", "c2", ""), pageAt(2, 2, 3, "c2", "c3", "reset"))
		}, report.Failed, "page 2 served 0 times, want 1"},
	{"pages_once: no listing is nothing to judge", "pages_once:",
		func() *Observation { return observed(listing(), entryAt(1, 0, 200)) }, report.Failed, "no page of a listing was requested"},

	// stops_on_repeated_cursor
	{"stops_on_repeated_cursor: stopped at the repeat", "stops_on_repeated_cursor",
		func() *Observation {
			return observed(listing(), pageAt(1, 1, 9, "", "c2", ""), pageAt(2, 2, 9, "c2", "c2", ""))
		}, report.Passed, "page 2 fetched 1 time"},
	{"stops_on_repeated_cursor: followed it around", "stops_on_repeated_cursor:",
		func() *Observation {
			return observed(listing(), pageAt(1, 1, 9, "", "c2", ""), pageAt(2, 2, 9, "c2", "c2", ""),
				pageAt(3, 2, 9, "c2", "c2", ""), pageAt(4, 2, 9, "c2", "c2", ""))
		}, report.Failed, "page 2 fetched 3 times"},
	{"stops_on_repeated_cursor: never reached is nothing to judge", "stops_on_repeated_cursor:",
		func() *Observation { return observed(listing(), pageAt(1, 1, 9, "", "c2", "status")) },
		report.Failed, "never reached the page that repeats its cursor"},
}
