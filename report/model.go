package report

import (
	"errors"
	"time"
)

// errNilRun is returned by every renderer given a nil *Run.
var errNilRun = errors.New("report: nil *Run")

// Status is the outcome of a scenario or a check.
type Status string

// The outcomes. Any other non-empty value is treated as [Failed] when
// counting, so a producer bug can never turn a red run green.
const (
	Passed  Status = "passed"
	Failed  Status = "failed"
	Skipped Status = "skipped"
	// Interrupted: the run was stopped (SIGINT, SIGTERM) before this
	// scenario finished, so nothing about it was judged: neither passed
	// nor failed. Only a producer sets it; it is never derived.
	Interrupted Status = "interrupted"
)

// Run is one invocation's result.
type Run struct {
	Tool        string // "faultline"
	ToolVersion string
	Kind        string // "run", "drift", "webhook", "audit", "verify"
	Seed        int64
	StartedAt   time.Time
	Duration    time.Duration
	Command     string     // the command line that reproduces the whole run
	Scenarios   []Scenario // "cases"; named scenarios for all kinds
	// Partial marks a run narrowed by --only, --tags or --shard: it claims
	// no maturity stage, since stages it did not run could fail.
	Partial bool
	// Interrupted marks a run stopped before every scenario finished; its
	// unfinished scenarios have status [Interrupted].
	Interrupted bool
}

// Scenario is one named case: a scenario of a scenario file, a recorded
// interaction checked for drift, or a webhook attack.
type Scenario struct {
	Name       string
	File       string
	Tags       []string
	Status     Status // derived by the producer; see Finalize
	Duration   time.Duration
	Checks     []Check
	Timeline   []Step   // compact attempt timeline, may be empty
	Evidence   []string // journal lines etc. that decided it (already redacted by the producer)
	Error      string   // set when the scenario could not run at all (counts as failed)
	SkipReason string   // why it was skipped or interrupted
	Reproduce  string   // exact command that reproduces this scenario alone
	// Output is the tail of the client's output (stderr then stdout, secrets
	// masked by the producer), shown with --verbose; empty for in-process
	// clients.
	Output string
	// Spans are stretches of the timeline drawn as bands, such as the time
	// a circuit breaker was open; offsets are from the first step's start.
	Spans []Span
}

// Span is a labelled stretch of a scenario's timeline.
type Span struct {
	Label      string // e.g. "breaker open"
	Start, End time.Duration
}

// Check is one judged expectation within a scenario.
type Check struct {
	Name     string
	Status   Status
	Expected string
	Observed string
	Message  string
	Warning  bool // a passed check with a warning (e.g. additive drift), rendered as such
	Evidence []string
}

// Step is one attempt as the upstream saw it.
type Step struct {
	Label string        // e.g. "503", "429 (Retry-After 2)", "reset", "200"
	Wait  time.Duration // time since the previous step's start (0 for the first)
	// Optional detail for graphical renderers (the terminal shows Label):
	Status     int           // HTTP status answered; 0 when the connection ended otherwise
	Took       time.Duration // how long the upstream took to answer
	RetryAfter time.Duration // the Retry-After the answer carried, if any
}

// Summary counts scenarios by outcome.
// Total = Passed + Failed + Skipped + Interrupted.
type Summary struct{ Total, Passed, Failed, Skipped, Interrupted int }

// Summary counts the run's scenarios by outcome. A scenario with Error set
// counts as failed whatever its Status; one with an empty Status is counted
// as Finalize would derive it.
func (r *Run) Summary() Summary {
	if r == nil {
		return Summary{}
	}
	s := Summary{Total: len(r.Scenarios)}
	for i := range r.Scenarios {
		switch outcome(&r.Scenarios[i]) {
		case Passed:
			s.Passed++
		case Skipped:
			s.Skipped++
		case Interrupted:
			s.Interrupted++
		default:
			s.Failed++
		}
	}
	return s
}

// Seeded reports whether the run drew anything at random, so its seed is
// worth printing: drift, audit and verify draw nothing.
func (r *Run) Seeded() bool { return r.Kind != "drift" && r.Kind != "audit" && r.Kind != "verify" }

// Passed reports whether no scenario failed. A run with no scenarios passed.
func (r *Run) Passed() bool { return r.Summary().Failed == 0 }

// Finalize derives each Scenario.Status from its checks when the producer
// left it empty: Error set or any failed check gives [Failed]; all checks
// skipped (or no checks and SkipReason set) gives [Skipped]; anything else
// gives [Passed]. A scenario with Error set is always marked [Failed], since
// it could not run at all.
func (r *Run) Finalize() {
	if r == nil {
		return
	}
	for i := range r.Scenarios {
		sc := &r.Scenarios[i]
		if sc.Status == "" || sc.Error != "" {
			sc.Status = derive(sc)
		}
	}
}

// outcome is the status every renderer shows for sc: its Status when set
// (unknown values fold into Failed), otherwise the derived one.
func outcome(sc *Scenario) Status {
	if sc.Error != "" {
		return Failed
	}
	switch sc.Status {
	case "":
		return derive(sc)
	case Passed, Skipped, Interrupted:
		return sc.Status
	default:
		return Failed
	}
}

// derive computes a scenario's status from its error, checks and skip reason.
func derive(sc *Scenario) Status {
	if sc.Error != "" {
		return Failed
	}
	skipped := 0
	for _, c := range sc.Checks {
		if c.failed() {
			return Failed
		}
		if c.Status == Skipped {
			skipped++
		}
	}
	if len(sc.Checks) > 0 && skipped == len(sc.Checks) {
		return Skipped
	}
	if len(sc.Checks) == 0 && sc.SkipReason != "" {
		return Skipped
	}
	return Passed
}

// failed reports whether c counts as a failed check: [Failed] or any value
// that is not a known status. An empty status counts as passed.
func (c Check) failed() bool {
	switch c.Status {
	case "", Passed, Skipped:
		return false
	}
	return true
}

// outcome is the status renderers show for c: empty counts as passed and
// unknown values as failed.
func (c Check) outcome() Status {
	switch {
	case c.failed():
		return Failed
	case c.Status == Skipped:
		return Skipped
	}
	return Passed
}

// warned reports whether c is a passed check carrying a warning.
func (c Check) warned() bool { return c.Warning && !c.failed() && c.Status != Skipped }

// failedChecks returns the checks of sc that failed, in order.
func failedChecks(sc *Scenario) []Check {
	var out []Check
	for _, c := range sc.Checks {
		if c.failed() {
			out = append(out, c)
		}
	}
	return out
}

// reproduceLines lists the commands that reproduce the failed scenarios: each
// one's Reproduce, or the run's Command for those without, without repeats.
func reproduceLines(r *Run) []string {
	var out []string
	seen := map[string]bool{}
	for i := range r.Scenarios {
		sc := &r.Scenarios[i]
		if outcome(sc) != Failed {
			continue
		}
		cmd := sc.Reproduce
		if cmd == "" {
			cmd = r.Command
		}
		if cmd != "" && !seen[cmd] {
			seen[cmd] = true
			out = append(out, cmd)
		}
	}
	return out
}
