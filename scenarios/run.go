package scenarios

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/fault/journal"
	"github.com/faultline-dev/faultline/fault/tlsfault"
	"github.com/faultline-dev/faultline/internal/english"
	"github.com/faultline-dev/faultline/internal/fielderr"
	"github.com/faultline-dev/faultline/internal/secrets"
	"github.com/faultline-dev/faultline/report"
)

// ErrCannotRun is wrapped when faultline itself could not run a scenario
// (a port could not be bound); the CLI maps it to exit code 3.
var ErrCannotRun = errors.New("faultline could not run")

// Options control a run.
type Options struct {
	Seed     int64    // the run's seed; each scenario's seed derives from it
	Exec     []string // an external client for every scenario, instead of the reference client
	Parallel int      // scenarios at once (default 1)
	FailFast bool     // skip scenarios not yet started after the first failure
	Progress func(name string, st report.Status)
	// Finished, when set, is given each scenario's result as it finishes
	// (from the scenario's goroutine; calls may overlap).
	Finished func(report.Scenario)
	Command  string // how the run was invoked, to print reproduce commands
	// Reproduce, when set, is the command that repeats one scenario alone,
	// for its report (the CLI's faultline run --only NAME --seed N ...).
	Reproduce   func(*Scenario) string
	ToolVersion string
	// Bind is the host each scenario's upstream listens on (default
	// 127.0.0.1); Port its port (default 0: a free one, so scenarios can
	// run in parallel). Advertise is the base URL external clients are given
	// in FAULTLINE_URL when they reach the upstream by another name (a
	// container's host.docker.internal, a compose service); without a port,
	// the upstream's is added.
	Bind, Advertise string
	Port            int
	// StartupGrace is how long an external client may take before its
	// first request, on top of the scenario's timeout (which counts from
	// that request); 0 means DefaultStartupGrace.
	StartupGrace time.Duration
}

func (o Options) startupGrace() time.Duration {
	if o.StartupGrace > 0 {
		return o.StartupGrace
	}
	return DefaultStartupGrace
}

// SeedFor is the seed a scenario runs with: its own when the file sets one,
// else one derived from the run's seed and the scenario's name, so one run
// seed reproduces every scenario and scenarios do not share draws.
func SeedFor(sc *Scenario, runSeed int64) int64 {
	if sc.Seed != 0 {
		return sc.Seed
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%s", runSeed, sc.Name)
	return int64(h.Sum64() >> 1)
}

// Select keeps the scenarios whose name matches the glob only (if any) and
// that carry every one of tags.
func Select(scs []*Scenario, only string, tags []string) ([]*Scenario, error) {
	if only != "" {
		if _, err := path.Match(only, ""); err != nil {
			return nil, &fielderr.Error{Kind: fault.ErrInvalid, Field: "Only", Value: strconv.Quote(only), Problem: err.Error()}
		}
	}
	var out []*Scenario
	for _, sc := range scs {
		if ok, _ := path.Match(only, sc.Name); only != "" && !ok {
			continue
		}
		if hasAll(sc.Tags, tags) {
			out = append(out, sc)
		}
	}
	return out, nil
}

func hasAll(have, want []string) bool {
	for _, t := range want {
		if t != "" && !contains(have, t) {
			return false
		}
	}
	return true
}

// Shard keeps the i-th of n interleaved parts (1-based), so that n CI
// runners given 1/n .. n/n together run every scenario once.
func Shard(scs []*Scenario, i, n int) []*Scenario {
	var out []*Scenario
	for k, sc := range scs {
		if k%n == i-1 {
			out = append(out, sc)
		}
	}
	return out
}

// SkippedFailFast is the SkipReason of a scenario not started because an
// earlier one failed and Options.FailFast is set.
const SkippedFailFast = "not run: an earlier scenario failed and FailFast is set"

// Run runs the scenarios and returns the report. It returns an error
// wrapping ErrCannotRun when faultline itself failed (the report still says
// which scenarios could not run).
func Run(ctx context.Context, scs []*Scenario, opts Options) (*report.Run, error) {
	start := time.Now()
	run := &report.Run{Tool: "faultline", ToolVersion: opts.ToolVersion, Kind: "run", Seed: opts.Seed, StartedAt: start, Command: opts.Command}
	run.Scenarios = make([]report.Scenario, len(scs))
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		failed  bool
		infra   error
		permits = make(chan struct{}, max(opts.Parallel, 1))
	)
	for i, sc := range scs {
		permits <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-permits; wg.Done() }()
			mu.Lock()
			skip := opts.FailFast && failed
			mu.Unlock()
			var res report.Scenario
			var err error
			switch {
			case ctx.Err() != nil:
				res = interrupted(scenarioHeader(sc, opts), "not started: the run was stopped (SIGINT or SIGTERM) first")
			case skip:
				res = scenarioHeader(sc, opts)
				res.Status, res.SkipReason = report.Skipped, SkippedFailFast
			default:
				res, err = RunOne(ctx, sc, opts)
				if ctx.Err() != nil { // cut short: its verdicts would judge a stopped client
					res, err = interrupted(res, "cut short: the run was stopped (SIGINT or SIGTERM) before it finished"), nil
				}
			}
			mu.Lock()
			run.Scenarios[i] = res
			failed = failed || res.Status == report.Failed
			if err != nil && infra == nil {
				infra = err
			}
			mu.Unlock()
			if opts.Progress != nil {
				opts.Progress(sc.Name, res.Status)
			}
			if opts.Finished != nil {
				opts.Finished(res)
			}
		}()
	}
	wg.Wait()
	run.Duration = time.Since(start)
	run.Finalize()
	for _, sc := range run.Scenarios {
		run.Interrupted = run.Interrupted || sc.Status == report.Interrupted
	}
	return run, infra
}

// interrupted marks res as not judged because the run was stopped (ctx,
// the run's, ended: SIGINT or SIGTERM): its checks and error are dropped,
// what the upstream saw (timeline, evidence, output) is kept.
func interrupted(res report.Scenario, why string) report.Scenario {
	res.Status, res.Checks, res.Error, res.SkipReason = report.Interrupted, nil, "", why
	return res
}

func scenarioHeader(sc *Scenario, opts Options) report.Scenario {
	res := report.Scenario{Name: sc.Name, File: sc.File, Tags: sc.Tags}
	if opts.Reproduce != nil {
		res.Reproduce = opts.Reproduce(sc)
	}
	return res
}

// scenarioJournal is how many requests one scenario's upstream journals;
// a scenario that makes more fails rather than be judged on a part.
const scenarioJournal = 100_000

// RunOne runs one scenario: it starts the fault upstream (and the webhook
// receiver it delivers to, if any), runs the client against it, waits for
// webhook deliveries, stops the upstream, and judges the checks.
func RunOne(ctx context.Context, sc *Scenario, opts Options) (report.Scenario, error) {
	res := scenarioHeader(sc, opts)
	if why := unjudgeable(sc, opts); why != "" {
		res.Status, res.SkipReason = report.Skipped, why
		return res, nil
	}
	seed := SeedFor(sc, opts.Seed)
	fail := func(err error) (report.Scenario, error) {
		res.Error, res.Status = err.Error(), report.Failed
		return res, fmt.Errorf("%w: %s: %v", ErrCannotRun, sc.Name, err)
	}
	plan, rcv, err := preparePlan(sc, seed)
	if err != nil {
		return fail(err)
	}
	if rcv != nil {
		defer rcv.close() // on every way out; the effects are read below
	}
	base, wrapOpts, err := upstreamBase(sc, seed)
	if err != nil {
		return fail(err)
	}
	// Time windows (an outage, a flap) count from the client's first
	// request, so an interpreter's start-up does not shift them.
	tr, err := newTrust(plan)
	if err != nil {
		return fail(err)
	}
	defer tr.close()
	srv, err := fault.Listen(opts.listenAddr(), fault.Wrap(base, plan, append(wrapOpts, fault.WithJournalSize(scenarioJournal), fault.WithStartAtFirstRequest())...), tr.serverTLS())
	if err != nil {
		return fail(err)
	}
	// An external client's own watchdog kills it (runExec); the scenario
	// waits for it as long as its start-up may take.
	limit := sc.Timeout
	if len(opts.Exec) > 0 || sc.Client.Exec != nil {
		limit += opts.startupGrace() + time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	obs := &Observation{Scenario: sc, Start: time.Now(), trust: tr}
	runClient(ctx, sc, opts, srv, seed, obs)
	end := time.Now()
	_ = srv.Handler.WaitDeliveries(ctx)
	obs.Deliveries = srv.Handler.Deliveries()
	srv.Close() // releases requests the client abandoned, so the journal is whole
	obs.Journal = srv.Journal().Entries()
	obs.Handshakes = srv.Handshakes()
	obs.clockFromFirstRequest(end)
	if n := srv.Journal().Dropped(); n > 0 {
		res.Error = fmt.Sprintf("the upstream saw more than %s and dropped %d from its journal: checks cannot judge a partial journal; ask for fewer calls", english.Count(scenarioJournal, "request"), n)
		res.Status = report.Failed
		return res, nil
	}
	if rcv != nil {
		obs.Effects = rcv.close()
	} else if r := sc.Client.Receiver; r != nil && r.EffectsURL != "" {
		obs.Effects = fetchEffects(ctx, r.EffectsURL)
	}
	res.Duration = obs.Elapsed
	if why := cannotStart(obs); why != "" {
		res.Error, res.Status = why, report.Failed
		return res, fmt.Errorf("%w: %s: %s", ErrCannotRun, sc.Name, why)
	}
	judge(&res, obs)
	return res, nil
}

// clockFromFirstRequest times the client from its first contact as the
// upstream recorded it (its first request, or a TLS handshake it refused),
// not from when its process was started: an interpreter's start-up is not
// the client's behaviour. A client that sent nothing is timed from its
// start.
func (o *Observation) clockFromFirstRequest(end time.Time) {
	if first, ok := firstContact(o.Journal, o.Handshakes); ok && first.After(o.Start) {
		o.Start = first
	}
	o.Elapsed = end.Sub(o.Start)
	if o.Exec != nil {
		o.Exec.Duration = o.Elapsed
	}
}

// firstContact is the earliest request or failed handshake.
func firstContact(entries []journal.Entry, handshakes []tlsfault.Handshake) (first time.Time, ok bool) {
	for _, e := range entries {
		if !ok || e.Time.Before(first) {
			first, ok = e.Time, true
		}
	}
	for _, h := range handshakes {
		if !ok || h.Time.Before(first) {
			first, ok = h.Time, true
		}
	}
	return first, ok
}

// firstContactOf reports srv's first contact so far, for the watchdog that
// times an external client from there.
func firstContactOf(srv *fault.Server) func() (time.Time, bool) {
	return func() (time.Time, bool) {
		if at, ok := srv.Handler.FirstRequest(); ok {
			return at, true
		}
		return firstContact(nil, srv.Handshakes())
	}
}

// cannotStart says why an external client could not run at all (it could
// not be started, or the shell could not find or execute it: exit 126 or
// 127 before any request), or "" when it ran.
func cannotStart(o *Observation) string {
	x := o.Exec
	switch {
	case x == nil:
		return ""
	case x.Err != nil && !errors.Is(x.Err, context.Canceled):
		return "cannot start the client: " + oneLine(x.Err.Error())
	case (x.ExitCode == 126 || x.ExitCode == 127) && len(o.Journal) == 0:
		msg := fmt.Sprintf("cannot start the client: it exited %d (%s) before any request", x.ExitCode,
			map[int]string{126: "not executable", 127: "command not found"}[x.ExitCode])
		if tail := lastLines(x.Stderr, 1); tail != "" {
			msg += ": " + tail
		}
		return msg
	}
	return ""
}

// unjudgeable says why a scenario cannot judge the client it would run
// with, or "" when it can: a webhook scenario delivering to faultline's own
// reference receiver says nothing about an external client.
func unjudgeable(sc *Scenario, opts Options) string {
	external := len(opts.Exec) > 0 || sc.Client.Exec != nil
	if r := sc.Client.Receiver; external && r != nil && r.URL == "" {
		return "judges a webhook receiver: set client.receiver.url (and effects_url) to your client's handler"
	}
	return ""
}

// preparePlan seeds the scenario's plan and points its webhooks at the
// client's receiver, starting the reference receiver when that is the one.
func preparePlan(sc *Scenario, seed int64) (*fault.Plan, *refReceiver, error) {
	plan := *sc.Plan
	if plan.Seed == 0 {
		plan.Seed = seed
	}
	r := sc.Client.Receiver
	if r == nil {
		return &plan, nil, nil
	}
	if r.URL != "" {
		return withReceiver(&plan, r.URL), nil, nil
	}
	rcv, err := startReceiver(r)
	if err != nil {
		return nil, nil, err
	}
	return withReceiver(&plan, rcv.url), rcv, nil
}

func runClient(ctx context.Context, sc *Scenario, opts Options, srv *fault.Server, seed int64, obs *Observation) {
	argv := opts.Exec
	timeout := sc.Timeout
	dir := "" // --exec runs where faultline was started
	if len(argv) == 0 && sc.Client.Exec != nil {
		argv = sc.Client.Exec.Command
		if sc.Client.Exec.Timeout > 0 {
			timeout = sc.Client.Exec.Timeout
		}
		// client.exec runs in the scenario file's folder, so every relative
		// path in it (the program's and its arguments') is relative to the
		// file, as the schema says.
		if !strings.HasPrefix(sc.File, LibraryPrefix) {
			dir = filepath.Dir(sc.File)
			if !filepath.IsAbs(argv[0]) && strings.Contains(argv[0], "/") {
				argv = append([]string{filepath.Join(dir, argv[0])}, argv[1:]...)
			}
		}
	}
	if len(argv) > 0 {
		obs.Exec = runExec(ctx, sc, argv, dir, opts.clientURL(srv.URL), seed, timeout, opts.startupGrace(), firstContactOf(srv), obs.trust.env())
		return
	}
	obs.Calls = runReference(ctx, sc, loopbackURL(srv.URL), seed, obs.trust.option())
}

// judge evaluates the checks and attaches the timeline and evidence.
func judge(res *report.Scenario, obs *Observation) {
	for _, c := range obs.Scenario.Checks {
		res.Checks = append(res.Checks, c.Evaluate(obs))
	}
	var longest Group
	for _, g := range obs.Groups() {
		if len(g.Entries) > len(longest.Entries) {
			longest = g
		}
	}
	res.Timeline = Timeline(longest)
	res.Spans = breakerSpans(obs, longest)
	res.Evidence = obs.Lines(obs.Journal, 20)
	if x := obs.Exec; x != nil {
		res.Output = secrets.Mask(strings.TrimRight(x.Stderr+x.Stdout, "\n"), secrets.Placeholder)
	}
	res.Status = statusOf(res.Checks)
}

// statusOf is a scenario's status from its checks: failed if any failed,
// skipped if every one was skipped, else passed.
func statusOf(checks []report.Check) report.Status {
	st := report.Skipped
	for _, c := range checks {
		switch c.Status {
		case report.Failed:
			return report.Failed
		case report.Passed:
			st = report.Passed
		}
	}
	return st
}
