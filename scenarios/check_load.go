package scenarios

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/faultline-dev/faultline/internal/english"
	"github.com/faultline-dev/faultline/internal/yamlx"
	"github.com/faultline-dev/faultline/report"
)

func init() {
	registerCheck("rate_below", decodeRateBelow)
	registerCheck("concurrency_below", decodeConcurrencyBelow)
	registerCheck("amplification_below", decodeAmplificationBelow)
}

// rateBelowCheck: the upstream never saw more than rps requests per second
// in any sliding window.
type rateBelowCheck struct {
	rps    float64
	window time.Duration
}

func decodeRateBelow(d *checkDecode) (Check, error) {
	f := struct {
		RPS    float64        `yaml:"rps"`
		Window yamlx.Duration `yaml:"window"`
	}{Window: yamlx.Duration(time.Second)}
	if err := d.into(&f); err != nil {
		return nil, err
	}
	if f.RPS <= 0 || math.IsInf(f.RPS, 0) || math.IsNaN(f.RPS) || f.Window <= 0 {
		return nil, d.Errorf("give rps above zero (and optionally window, default 1s)")
	}
	return rateBelowCheck{rps: f.RPS, window: f.Window.D()}, nil
}

func (rateBelowCheck) Name() string { return "rate_below" }

func (c rateBelowCheck) Evaluate(o *Observation) report.Check {
	allowed := int(math.Ceil(c.rps * c.window.Seconds()))
	worst, at := 0, 0
	for i := range o.Journal {
		j := i
		for j < len(o.Journal) && o.Journal[j].Time.Sub(o.Journal[i].Time) < c.window {
			j++
		}
		if j-i > worst {
			worst, at = j-i, i
		}
	}
	expected := fmt.Sprintf("at most %s in any %s", english.Count(allowed, "request"), fmtDur(c.window))
	observed := fmt.Sprintf("%s in the busiest %s", english.Count(worst, "request"), fmtDur(c.window))
	var ev []string
	if worst > allowed {
		ev = o.Lines(o.Journal[at:at+worst], 6)
	}
	return verdict(c.Name(), len(o.Journal) > 0 && worst <= allowed, expected, observed, "", ev)
}

// concurrencyBelowCheck: the upstream never had more than max requests in
// flight at once.
type concurrencyBelowCheck struct{ max int }

func decodeConcurrencyBelow(d *checkDecode) (Check, error) {
	var f struct {
		Max int `yaml:"max"`
	}
	if err := d.oneNumber(&f.Max, &f, "give a number, e.g. concurrency_below: 4"); err != nil {
		return nil, err
	}
	if f.Max < 1 {
		return nil, d.Errorf("max must be at least 1")
	}
	return concurrencyBelowCheck{max: f.Max}, nil
}

func (concurrencyBelowCheck) Name() string { return "concurrency_below" }

func (c concurrencyBelowCheck) Evaluate(o *Observation) report.Check {
	type edge struct {
		t     time.Time
		delta int
	}
	var edges []edge
	for _, e := range o.Journal {
		edges = append(edges, edge{e.Time, 1}, edge{e.EndTime(), -1})
	}
	sort.Slice(edges, func(i, j int) bool {
		if edges[i].t.Equal(edges[j].t) {
			return edges[i].delta < edges[j].delta
		}
		return edges[i].t.Before(edges[j].t)
	})
	cur, peak := 0, 0
	for _, e := range edges {
		cur += e.delta
		peak = max(peak, cur)
	}
	return verdict(c.Name(), len(o.Journal) > 0 && peak <= c.max, fmt.Sprintf("at most %d in flight", c.max),
		fmt.Sprintf("peak %d in flight", peak), "", nil)
}

// amplificationCheck: upstream requests per logical call stay under ratio,
// so an outage is not multiplied into a retry storm.
type amplificationCheck struct{ ratio float64 }

func decodeAmplificationBelow(d *checkDecode) (Check, error) {
	var f struct {
		Ratio float64 `yaml:"ratio"`
	}
	if err := d.oneNumber(&f.Ratio, &f, "give a ratio, e.g. amplification_below: 1.2"); err != nil {
		return nil, err
	}
	if f.Ratio < 1 {
		return nil, d.Errorf("ratio must be at least 1 (one request per call)")
	}
	return amplificationCheck{ratio: f.Ratio}, nil
}

func (amplificationCheck) Name() string { return "amplification_below" }

func (c amplificationCheck) Evaluate(o *Observation) report.Check {
	asked, _ := o.AskedCalls()
	got := float64(len(o.Journal)) / float64(max(asked, 1))
	return verdict(c.Name(), len(o.Journal) > 0 && got <= c.ratio, fmt.Sprintf("at most %.2fx upstream requests per call", c.ratio),
		fmt.Sprintf("%.2fx (%s for %s)", got, english.Count(len(o.Journal), "request"), english.Count(asked, "call")), "", nil)
}
