package audit

import (
	"fmt"
	"strings"
	"time"

	"github.com/faultline-dev/faultline/report"
)

// Report maps a result onto faultline's report model, so the terminal,
// JSON, JUnit and Markdown renderers of `faultline run` show it: one
// scenario per rule (tagged with the maturity stage it gates), one check
// per finding. A finding at or above failOn is a failed check; one below it
// is a passed check with a warning, shown but not failing the run.
func Report(res *Result, failOn Severity, command, toolVersion string) *report.Run {
	run := &report.Run{Tool: "faultline", ToolVersion: toolVersion, Kind: "audit",
		StartedAt: time.Now().Add(-res.Duration), Duration: res.Duration, Command: command}
	run.Scenarios = Scenarios(res.Findings, func(Rule) Severity { return failOn })
	for i := range run.Scenarios {
		run.Scenarios[i].Reproduce = command
	}
	run.Finalize()
	return run
}

// Scenarios turns findings into one scenario per rule, each failing when a
// finding reaches the severity failOn gives for its rule.
func Scenarios(findings []Finding, failOn func(Rule) Severity) []report.Scenario {
	var out []report.Scenario
	for _, r := range Rules() {
		sc := report.Scenario{Name: r.ID}
		if r.Stage != "" {
			sc.Tags = []string{r.Stage}
		}
		for _, f := range findings {
			if f.Rule == r.ID {
				sc.Checks = append(sc.Checks, check(r, f, failOn(r)))
			}
		}
		out = append(out, sc)
	}
	return out
}

func check(r Rule, f Finding, failOn Severity) report.Check {
	found := strings.TrimSuffix(f.Message, ": "+r.Fix)
	observed := fmt.Sprintf("%s (%s", found, f.Severity)
	if f.Heuristic {
		observed += ", heuristic"
	}
	c := report.Check{
		Name:     fmt.Sprintf("%s:%d:%d", f.File, f.Line, f.Column),
		Status:   report.Passed,
		Expected: "no finding",
		Observed: observed + ")",
		Message:  "fix: " + r.Fix,
	}
	if f.Severity >= failOn {
		c.Status = report.Failed
	} else {
		c.Warning = true // renderers show a warning's message alone
		c.Message = found + "; fix: " + r.Fix
	}
	return c
}

// Failing counts the findings at or above failOn.
func Failing(findings []Finding, failOn Severity) int {
	n := 0
	for _, f := range findings {
		if f.Severity >= failOn {
			n++
		}
	}
	return n
}

// StageScenarios are the scenarios `faultline run --audit` adds to a run:
// one per rule, named "audit: RULE". A rule that gates a maturity stage
// (no credentials in source and no call without a timeout gate light)
// fails on any finding, so the stage cannot be claimed; the other rules'
// findings are shown as warnings and change neither the exit code nor the
// stage (`faultline audit` is the gate for them).
func StageScenarios(findings []Finding, reproduce string) []report.Scenario {
	scs := Scenarios(findings, func(r Rule) Severity {
		if r.Stage != "" {
			return SeverityLow
		}
		return SeverityNone
	})
	for i := range scs {
		scs[i].Name = "audit: " + scs[i].Name
		scs[i].Reproduce = reproduce
	}
	return scs
}
