package scenarios

import (
	"fmt"
	"strconv"

	"github.com/faultline-dev/faultline/fault/journal"
	"github.com/faultline-dev/faultline/internal/english"
	"github.com/faultline-dev/faultline/report"
)

func init() {
	registerCheck("pages_once", func(d *checkDecode) (Check, error) { return pagesOnceCheck{}, d.noParams() })
	registerCheck("stops_on_repeated_cursor", func(d *checkDecode) (Check, error) { return repeatedCursorCheck{}, d.noParams() })
}

// pageFetch is what the paginate fault journaled of one page request.
type pageFetch struct {
	e            journal.Entry
	page, pages  int
	asked, next  string
	faulted, bad bool
}

// served reports whether the client received the page whole.
func (p pageFetch) served() bool {
	return !p.faulted && !p.bad && p.e.Status == 200 && p.e.End == journal.EndComplete
}

func pageFetches(entries []journal.Entry) []pageFetch {
	var out []pageFetch
	for _, e := range entries {
		for _, a := range e.Faults {
			if a.Type != "paginate" {
				continue
			}
			p := pageFetch{e: e, asked: a.Params["asked"], next: a.Params["next"], faulted: a.Params["fault"] != "", bad: a.Params["error"] != ""}
			p.page, _ = strconv.Atoi(a.Params["page"])
			p.pages, _ = strconv.Atoi(a.Params["pages"])
			out = append(out, p)
		}
	}
	return out
}

// listings is how many listings the scenario asked of the endpoint e is on.
func (o *Observation) listings(e journal.Entry) int {
	return max(o.askedByEndpoint()[e.Method+" "+e.Path], 1)
}

// pagesOnceCheck: every page of the listing reached the client whole
// exactly once per listing asked: after a failed page the client resumed
// from that page's cursor (no page fetched again once it succeeded, which
// a restart from the first page does) and did not skip any.
type pagesOnceCheck struct{}

func (pagesOnceCheck) Name() string { return "pages_once" }

func (c pagesOnceCheck) Evaluate(o *Observation) report.Check {
	fetches := pageFetches(o.Journal)
	served := map[int]int{}
	pages, failed, want := 0, 0, 1
	for _, f := range fetches {
		pages, want = max(pages, f.pages), o.listings(f.e)
		if f.served() {
			served[f.page]++
		} else {
			failed++
		}
	}
	var problems []string
	for n := 1; n <= pages; n++ {
		switch got := served[n]; {
		case got > want:
			problems = append(problems, fmt.Sprintf("page %d fetched %s after it succeeded (want %d): the listing restarted instead of resuming from the failed page's cursor", n, english.Count(got, "time"), want))
		case got < want:
			problems = append(problems, fmt.Sprintf("page %d served %s, want %d: its items were skipped (or the client gave up)", n, english.Count(got, "time"), want))
		}
	}
	expected := fmt.Sprintf("each page of the listing served once per listing (%d)", want)
	observed := fmt.Sprintf("%s for %s, %d failed by the upstream", english.Count(len(fetches), "page request"), english.Count(pages, "page"), failed)
	msg := firstOr(problems, "")
	if len(fetches) == 0 {
		msg = "no page of a listing was requested, so nothing was judged"
	}
	return verdict(c.Name(), msg == "", expected, observed, msg, limit(problems, 8))
}

// repeatedCursorCheck: when a page named as the next one the cursor it was
// fetched with, the client did not fetch it again (once per listing).
type repeatedCursorCheck struct{}

func (repeatedCursorCheck) Name() string { return "stops_on_repeated_cursor" }

func (c repeatedCursorCheck) Evaluate(o *Observation) report.Check {
	loops, want := 0, 1
	loopPage := 0
	var ev []string
	for _, f := range pageFetches(o.Journal) {
		if f.next == "" || f.next != f.asked {
			continue
		}
		loops, loopPage, want = loops+1, f.page, o.listings(f.e)
		if loops == want+1 {
			ev = append(ev, "fetched again: "+o.Line(f.e))
		}
	}
	expected := fmt.Sprintf("a page that repeats its own cursor fetched at most once per listing (%d)", want)
	observed := fmt.Sprintf("page %d fetched %s", loopPage, english.Count(loops, "time"))
	msg := ""
	switch {
	case loops == 0:
		msg, observed = "the client never reached the page that repeats its cursor, so nothing was judged", "no repeating page served"
	case loops > want:
		msg = "the client followed a cursor it had already fetched: it must stop instead of looping"
	}
	return verdict(c.Name(), msg == "", expected, observed, msg, ev)
}
