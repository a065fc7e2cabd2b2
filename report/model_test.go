package report_test

import (
	"testing"

	"github.com/faultline-dev/faultline/report"
)

func TestFinalize(t *testing.T) {
	chk := func(st report.Status) report.Check { return report.Check{Name: "c", Status: st} }
	tests := []struct {
		name string
		sc   report.Scenario
		want report.Status
	}{
		{"no checks", report.Scenario{}, report.Passed},
		{"all passed", report.Scenario{Checks: []report.Check{chk(report.Passed), chk(report.Passed)}}, report.Passed},
		{"one failed", report.Scenario{Checks: []report.Check{chk(report.Passed), chk(report.Failed)}}, report.Failed},
		{"failed beats skipped", report.Scenario{Checks: []report.Check{chk(report.Skipped), chk(report.Failed)}}, report.Failed},
		{"unknown check status fails", report.Scenario{Checks: []report.Check{chk("broken")}}, report.Failed},
		{"error set", report.Scenario{Error: "cannot bind", Checks: []report.Check{chk(report.Passed)}}, report.Failed},
		{"error beats skip reason", report.Scenario{Error: "boom", SkipReason: "why"}, report.Failed},
		{"all skipped", report.Scenario{Checks: []report.Check{chk(report.Skipped), chk(report.Skipped)}}, report.Skipped},
		{"some skipped", report.Scenario{Checks: []report.Check{chk(report.Skipped), chk(report.Passed)}}, report.Passed},
		{"skip reason, no checks", report.Scenario{SkipReason: "no key"}, report.Skipped},
		{"skip reason but a check passed", report.Scenario{SkipReason: "partly", Checks: []report.Check{chk(report.Passed)}}, report.Passed},
		{"empty check status counts as passed", report.Scenario{Checks: []report.Check{chk("")}}, report.Passed},
		{"producer status kept", report.Scenario{Status: report.Skipped, Checks: []report.Check{chk(report.Passed)}}, report.Skipped},
		{"producer status kept even if checks failed", report.Scenario{Status: report.Passed, Checks: []report.Check{chk(report.Failed)}}, report.Passed},
		{"error overrides producer status", report.Scenario{Status: report.Passed, Error: "boom"}, report.Failed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &report.Run{Scenarios: []report.Scenario{tt.sc}}
			r.Finalize()
			if got := r.Scenarios[0].Status; got != tt.want {
				t.Errorf("Status = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSummaryAndPassed(t *testing.T) {
	r := fixtureRun()
	if got, want := r.Summary(), (report.Summary{Total: 5, Passed: 2, Failed: 2, Skipped: 1}); got != want {
		t.Errorf("Summary() = %+v, want %+v", got, want)
	}
	if r.Passed() {
		t.Error("Passed() = true for a run with failures")
	}

	ok := &report.Run{Scenarios: []report.Scenario{
		{Status: report.Passed},
		{Status: report.Skipped},
		{Checks: []report.Check{{Status: report.Passed}}}, // not finalized: derived
	}}
	if got, want := ok.Summary(), (report.Summary{Total: 3, Passed: 2, Skipped: 1}); got != want {
		t.Errorf("Summary() = %+v, want %+v", got, want)
	}
	if !ok.Passed() {
		t.Error("Passed() = false for a run without failures")
	}
	if !(&report.Run{}).Passed() {
		t.Error("an empty run should pass")
	}
}

func TestSummaryCountsOddStatusesAsFailed(t *testing.T) {
	r := &report.Run{Scenarios: []report.Scenario{
		{Status: "errored"},                               // unknown value
		{Status: report.Passed, Error: "boom"},            // error wins
		{Checks: []report.Check{{Status: report.Failed}}}, // derived
	}}
	s := r.Summary()
	if s.Failed != 3 || s.Total != 3 || s.Passed+s.Skipped != 0 {
		t.Errorf("Summary() = %+v, want all 3 failed", s)
	}
	if r.Passed() {
		t.Error("Passed() = true")
	}
}
