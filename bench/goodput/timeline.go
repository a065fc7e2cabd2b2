package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/faultline-dev/faultline/fault/journal"
)

// slot is one step of the timeline (-timeline).
const slot = 250 * time.Millisecond

// timeline prints, per quarter second of a run, what the upstream answered
// (from its journal: 2xx, 429, 5xx, other, by when the request arrived)
// and what became of the calls that arrived then (how many failed, and
// why). It shows where a client loses calls: into a spent rate-limit
// window, an open breaker, a queue grown past its deadlines.
func timeline(name string, out []outcome, at []time.Duration, entries []journal.Entry, start time.Time) string {
	type row struct {
		ok, limited, failed5xx, other, arrived, failed int
		reasons                                        map[string]int
	}
	var rows []row
	grow := func(k int) *row {
		for len(rows) <= k {
			rows = append(rows, row{reasons: map[string]int{}})
		}
		return &rows[k]
	}
	for _, e := range entries {
		k := int(e.Time.Sub(start) / slot)
		if k < 0 {
			continue
		}
		r := grow(k)
		switch s := e.Status; {
		case s >= 200 && s < 300:
			r.ok++
		case s == 429:
			r.limited++
		case s >= 500:
			r.failed5xx++
		default:
			r.other++
		}
	}
	for i, o := range out {
		r := grow(int(at[i] / slot))
		r.arrived++
		if o.err != nil {
			r.failed++
			r.reasons[reason(o.err)]++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  timeline of %s (upstream answers | calls by arrival)\n      t  2xx 429 5xx oth | came fail why\n", name)
	for k, r := range rows {
		why := make([]string, 0, len(r.reasons))
		for _, w := range slices.Sorted(maps.Keys(r.reasons)) {
			why = append(why, fmt.Sprintf("%d %s", r.reasons[w], w))
		}
		fmt.Fprintf(&b, "  %5.2f  %3d %3d %3d %3d | %4d %4d %s\n", (time.Duration(k) * slot).Seconds(),
			r.ok, r.limited, r.failed5xx, r.other, r.arrived, r.failed, strings.Join(why, ", "))
	}
	return b.String()
}
