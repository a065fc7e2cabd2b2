package scenarios

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/faultline-dev/faultline/internal/english"
	"github.com/faultline-dev/faultline/internal/yamlx"
	"github.com/faultline-dev/faultline/report"
)

func init() {
	registerCheck("attempts", decodeAttempts)
	registerCheck("no_retry_on", decodeNoRetryOn)
}

// attemptsCheck bounds how many attempts the upstream saw per logical call.
type attemptsCheck struct{ min, max int }

func decodeAttempts(d *checkDecode) (Check, error) {
	if s, ok := d.Scalar(); ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return nil, d.Errorf("%q: give a number of attempts, or {min: N, max: M}", s)
		}
		return attemptsCheck{min: n, max: n}, nil
	}
	var f struct {
		Exact int `yaml:"exact"`
		Min   int `yaml:"min"`
		Max   int `yaml:"max"`
	}
	if err := d.into(&f); err != nil {
		return nil, err
	}
	c := attemptsCheck{min: f.Min, max: f.Max}
	if f.Exact != 0 && (f.Min != 0 || f.Max != 0) {
		return nil, d.Errorf("give exact, or min and/or max, not both")
	}
	if f.Exact > 0 {
		c = attemptsCheck{min: f.Exact, max: f.Exact}
	}
	if c.min < 0 || c.max < 0 || (c.max > 0 && c.max < c.min) || (c.min == 0 && c.max == 0) {
		return nil, d.Errorf("give exact, or min and/or max with 0 < min <= max")
	}
	return c, nil
}

func (c attemptsCheck) Name() string { return "attempts" }

func (c attemptsCheck) expected() string {
	switch {
	case c.min == c.max:
		return fmt.Sprintf("exactly %d per call", c.min)
	case c.max == 0:
		return fmt.Sprintf("at least %d per call", c.min)
	case c.min == 0:
		return fmt.Sprintf("at most %d per call", c.max)
	}
	return fmt.Sprintf("%d to %d per call", c.min, c.max)
}

func (c attemptsCheck) Evaluate(o *Observation) report.Check {
	groups := o.Groups()
	var counts []string
	ok := len(groups) > 0
	var ev []string
	for _, g := range groups {
		n := len(g.Entries)
		counts = append(counts, strconv.Itoa(n))
		if n < c.min || (c.max > 0 && n > c.max) {
			ok = false
			ev = append(ev, o.Lines(g.Entries, 6)...)
		}
	}
	observed := "no request reached the upstream"
	if len(groups) > 0 {
		observed = fmt.Sprintf("%s across %s", strings.Join(counts, ", "), english.Count(len(groups), "call"))
	}
	return verdict(c.Name(), ok, c.expected(), observed, "", limit(ev, 12))
}

// noRetryOnCheck: a response with one of these statuses ends its call.
type noRetryOnCheck struct{ statuses []int }

func decodeNoRetryOn(d *checkDecode) (Check, error) {
	var codes []int
	n := yamlx.Unalias(d.Node)
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return nil, d.Errorf("give a list of statuses, e.g. [400, 401, 403, 404, 422]")
	}
	if err := d.File.Decode(n, &codes, d.Path); err != nil {
		return nil, err
	}
	for _, code := range codes {
		if code < 100 || code > 599 {
			return nil, d.Errorf("%d is not an HTTP status (100-599)", code)
		}
	}
	return noRetryOnCheck{statuses: codes}, nil
}

func (c noRetryOnCheck) Name() string { return "no_retry_on" }

func (c noRetryOnCheck) Evaluate(o *Observation) report.Check {
	seen, retried := 0, 0
	var ev []string
	for _, g := range o.Groups() {
		bad := false
		for i, e := range g.Entries {
			if !containsInt(c.statuses, e.Status) {
				continue
			}
			seen++
			if i < len(g.Entries)-1 {
				retried++
				bad = true
			}
		}
		if bad {
			ev = append(ev, o.Lines(g.Entries, 6)...)
		}
	}
	expected := fmt.Sprintf("no retry after %s", joinInts(c.statuses))
	observed := fmt.Sprintf("%d of %s retried", retried, english.CountAs(seen, "such response", "such responses"))
	switch {
	case len(o.Journal) == 0:
		return verdict(c.Name(), false, expected, "no request reached the upstream", "", nil)
	case seen == 0:
		return notJudged(c.Name(), expected, observed, "the upstream never sent one of these statuses, so nothing was judged")
	}
	return verdict(c.Name(), retried == 0, expected, observed, "", limit(ev, 12))
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}
