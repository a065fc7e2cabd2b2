package webhook

import (
	"context"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/faultline-dev/faultline/internal/english"
	"github.com/faultline-dev/faultline/internal/fielderr"
	"github.com/faultline-dev/faultline/internal/webhooksig"
	"github.com/faultline-dev/faultline/report"
)

// campaign is one run's shared state.
type campaign struct {
	o       Options
	b       *builder
	s       *sender
	counter EffectCounter
	events  []Event
	wrong   string // a well-formed secret that is not the handler's
}

// Run validates o, runs the campaign against o.Target and returns the run
// report. Errors wrapping ErrOptions mean nothing was sent; a handler's
// failures are in the report, not in the error.
func Run(ctx context.Context, o Options) (*report.Run, error) {
	c, err := newCampaign(o)
	if err != nil {
		return nil, err
	}
	o = c.o
	defer c.s.bind(ctx)()
	run := &report.Run{
		Tool: "faultline", ToolVersion: o.ToolVersion, Kind: "webhook",
		Seed: o.Seed, StartedAt: o.Now(), Command: o.Command,
	}
	var results []*result
	for _, def := range c.cases() {
		if len(o.Cases) > 0 && !slices.Contains(o.Cases, def.name) {
			continue
		}
		results = append(results, c.runCase(ctx, def))
	}
	c.judgeEffects(ctx, results)
	for _, r := range results {
		run.Scenarios = append(run.Scenarios, r.sc)
	}
	run.Finalize()
	run.Duration = o.Now().Sub(run.StartedAt)
	return run, nil
}

func newCampaign(o Options) (*campaign, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	scheme, err := webhooksig.New(o.Scheme, o.Secret, webhooksig.Options{Tolerance: o.Tolerance, HMAC: o.HMAC})
	if err != nil {
		return nil, &fielderr.Error{Kind: ErrOptions, Field: "Scheme", Value: o.Scheme, Problem: err.Error()}
	}
	events := o.Events
	if len(events) == 0 && o.EventsFile != "" {
		if events, err = LoadEvents(o.EventsFile); err != nil {
			return nil, err
		}
	}
	if len(events) == 0 {
		events = builtinEvents(o.Scheme)
	}
	rng := rand.New(rand.NewPCG(uint64(o.Seed), 0x9e3779b97f4a7c15))
	key := make([]byte, 24)
	for i := range key {
		key[i] = byte(rng.UintN(256))
	}
	client := newClient(o)
	return &campaign{
		o:       o,
		b:       &builder{scheme: scheme, name: o.Scheme, hmac: o.HMAC, rng: rng, nonce: fmt.Sprintf("%x", o.Now().UnixNano()), now: o.Now},
		s:       newSender(o.Target, client, o.Deadline, o.Client == nil),
		counter: counterFor(o, newClient(o)), // its own transport: never on a connection the sender's watch may cut
		events:  events,
		wrong:   "whsec_" + base64.StdEncoding.EncodeToString(key),
	}, nil
}

// event returns the i-th sample event, cycling.
func (c *campaign) event(i int) Event { return c.events[i%len(c.events)] }

// caseDef is one attack.
type caseDef struct {
	name     string
	category string // signature, idempotency, robustness, load
	effects  bool   // judged by effect counts: skipped without a counter
	skip     func(*campaign) string
	run      func(context.Context, *campaign, *result)
}

func (c *campaign) runCase(ctx context.Context, def caseDef) *result {
	r := &result{sc: report.Scenario{
		Name: def.name,
		Tags: []string{def.category, c.o.Scheme},
	}}
	if c.o.Reproduce != nil {
		r.sc.Reproduce = c.o.Reproduce(def.name)
	}
	reason := ""
	if def.skip != nil {
		reason = def.skip(c)
	}
	if reason == "" && def.effects && c.counter == nil {
		reason = NoEffectCounter
	}
	switch {
	case reason != "":
		r.sc.Status, r.sc.SkipReason = report.Skipped, reason
		return r
	case ctx.Err() != nil:
		r.sc.Error = "campaign cancelled: " + ctx.Err().Error()
		return r
	}
	start := time.Now()
	c.o.Logger.Info("webhook case", "case", def.name, "target", c.o.Target)
	def.run(ctx, c, r)
	r.sc.Duration = time.Since(start)
	return r
}

// result collects one case's report while it runs.
type result struct {
	sc      report.Scenario
	expects []expectation
	prev    time.Time
	hidden  int // evidence lines left out
}

// expectation is an effect-count check judged after every case ran.
type expectation struct {
	check string
	ids   []string
	want  int
}

const maxEvidence = 24

// record adds an answered delivery to the timeline and evidence.
func (r *result) record(d delivery, o outcome) {
	var wait time.Duration
	if !r.prev.IsZero() {
		wait = o.start.Sub(r.prev)
	}
	r.prev = o.start
	if len(r.sc.Timeline) < maxEvidence {
		r.sc.Timeline = append(r.sc.Timeline, report.Step{Label: o.label(), Wait: wait})
	}
	if len(r.sc.Evidence) >= maxEvidence {
		r.hidden++
		r.sc.Evidence[maxEvidence-1] = "… " + english.Count(r.hidden+1, "more delivery")
		return
	}
	r.sc.Evidence = append(r.sc.Evidence, fmt.Sprintf("POST event %s (%s) → %s in %s", d.id, english.Count(len(d.body), "byte"), o.label(), round(o.took)))
}

func (r *result) add(ch report.Check) { r.sc.Checks = append(r.sc.Checks, ch) }

func (r *result) expect(check string, want int, ids ...string) {
	r.expects = append(r.expects, expectation{check: check, ids: ids, want: want})
}

// judge adds a check that every outcome satisfies ok.
func (r *result) judge(name, expected string, outs []outcome, ok func(outcome) bool) bool {
	st := report.Passed
	for _, o := range outs {
		if !ok(o) {
			st = report.Failed
		}
	}
	r.add(report.Check{Name: name, Status: st, Expected: expected, Observed: summarize(outs)})
	return st == report.Passed
}

// summarize counts outcomes by label: "202×19, no answer (deadline)×1".
func summarize(outs []outcome) string {
	n := map[string]int{}
	var order []string
	for _, o := range outs {
		l := o.label()
		if n[l] == 0 {
			order = append(order, l)
		}
		n[l]++
	}
	parts := make([]string, 0, len(order))
	for _, l := range order {
		if n[l] == 1 {
			parts = append(parts, l)
		} else {
			parts = append(parts, fmt.Sprintf("%s×%d", l, n[l]))
		}
	}
	return strings.Join(parts, ", ")
}

// latency adds the ack time check: p50 and p99 of answered deliveries.
func (r *result) latency(outs []outcome, deadline time.Duration) {
	var ds []time.Duration
	for _, o := range outs {
		if o.err == nil {
			ds = append(ds, o.took)
		}
	}
	if len(ds) == 0 {
		r.add(report.Check{Name: "ack time", Status: report.Failed, Expected: "p99 < " + deadline.String(), Observed: "no answers"})
		return
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	p50, p99 := quantile(ds, 0.50), quantile(ds, 0.99)
	st := report.Passed
	if p99 >= deadline || len(ds) < len(outs) {
		st = report.Failed
	}
	r.add(report.Check{Name: "ack time", Status: st, Expected: "p99 < " + deadline.String(),
		Observed: fmt.Sprintf("p50 %s, p99 %s (%d of %d answered)", round(p50), round(p99), len(ds), len(outs))})
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func round(d time.Duration) time.Duration {
	switch {
	case d > time.Second:
		return d.Round(time.Millisecond)
	case d > time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// judgeEffects evaluates every case's effect expectations once, after all
// deliveries: it waits (up to the deadline) for expected effects to appear,
// then for Settle more, then reads each count.
func (c *campaign) judgeEffects(ctx context.Context, results []*result) {
	if c.counter == nil {
		for _, r := range results {
			for _, e := range r.expects {
				r.add(report.Check{Name: e.check, Status: report.Skipped, Expected: effectWord(e.want),
					Message: NoEffectCounter})
			}
		}
		return
	}
	waitUntil := time.Now().Add(c.o.Deadline)
	for _, r := range results {
		for _, e := range r.expects {
			for _, id := range e.ids {
				c.awaitEffect(ctx, id, e.want, waitUntil)
			}
		}
	}
	select {
	case <-ctx.Done():
	case <-time.After(c.o.Settle):
	}
	for _, r := range results {
		for _, e := range r.expects {
			r.add(c.effectCheck(ctx, e))
		}
	}
}

// awaitEffect polls until id has at least want effects or until is reached.
func (c *campaign) awaitEffect(ctx context.Context, id string, want int, until time.Time) {
	if want == 0 {
		return
	}
	for time.Now().Before(until) && ctx.Err() == nil {
		if n, err := c.counter.Effects(ctx, id); err != nil || n >= want {
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func (c *campaign) effectCheck(ctx context.Context, e expectation) report.Check {
	ch := report.Check{Name: e.check, Status: report.Passed, Expected: effectWord(e.want) + " per event"}
	var wrong []string
	for _, id := range e.ids {
		n, err := c.counter.Effects(ctx, id)
		if err != nil {
			ch.Status, ch.Observed, ch.Message = report.Failed, "unreadable", err.Error()
			return ch
		}
		ch.Evidence = append(ch.Evidence, fmt.Sprintf("effects[%s] = %d", id, n))
		if n != e.want {
			wrong = append(wrong, fmt.Sprintf("%s: %d", id, n))
		}
	}
	if len(wrong) > 0 {
		ch.Status = report.Failed
		ch.Observed = strings.Join(wrong, ", ")
		return ch
	}
	ch.Observed = fmt.Sprintf("%s for each of %s", effectWord(e.want), english.Count(len(e.ids), "event"))
	return ch
}

func effectWord(n int) string {
	switch n {
	case 0:
		return "no effect"
	case 1:
		return "exactly one effect"
	}
	return english.Count(n, "effect")
}
