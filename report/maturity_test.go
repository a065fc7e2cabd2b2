package report_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/faultline-dev/faultline/report"
)

func TestStages(t *testing.T) {
	got := report.Stages()
	if want := []string{"light", "full", "complete"}; !slices.Equal(got, want) {
		t.Fatalf("Stages() = %v, want %v", got, want)
	}
	got[0] = "mutated"
	if report.Stages()[0] != "light" {
		t.Error("Stages() exposes its backing array")
	}
}

func TestMaturity(t *testing.T) {
	sc := func(st report.Status, tags ...string) report.Scenario {
		return report.Scenario{Name: "s", Status: st, Tags: tags}
	}
	P, F, S := report.Passed, report.Failed, report.Skipped
	tests := []struct {
		name string
		scs  []report.Scenario
		want string
	}{
		{"no scenarios", nil, ""},
		{"no stage tags", []report.Scenario{sc(P, "retry"), sc(F)}, ""},
		{"light passed", []report.Scenario{sc(P, "light")}, "light"},
		{"light failed", []report.Scenario{sc(P, "light"), sc(F, "light"), sc(P, "full")}, "none"},
		{"one full failed", []report.Scenario{sc(P, "light"), sc(P, "full"), sc(F, "full"), sc(P, "complete")}, "light"},
		{"all stages passed", []report.Scenario{sc(P, "light"), sc(P, "full"), sc(P, "complete")}, "complete"},
		{"complete failed", []report.Scenario{sc(P, "light"), sc(P, "full"), sc(F, "complete")}, "full"},
		{"skipped does not count against", []report.Scenario{sc(P, "light"), sc(S, "light"), sc(P, "full"), sc(S, "full")}, "full"},
		{"a stage needs one that ran", []report.Scenario{sc(P, "light"), sc(S, "full")}, "light"},
		{"only skipped", []report.Scenario{sc(S, "light"), sc(S, "full")}, "none"},
		{"empty middle stage", []report.Scenario{sc(P, "light"), sc(P, "complete")}, "complete"},
		{"untagged failure ignored", []report.Scenario{sc(P, "light"), sc(F, "other")}, "light"},
		{"several stage tags", []report.Scenario{sc(P, "light"), sc(F, "full", "complete")}, "light"},
		{"errored scenario fails its stage", []report.Scenario{{Tags: []string{"light"}, Status: P, Error: "boom"}}, "none"},
		{"status derived when empty", []report.Scenario{{Tags: []string{"light"}, Checks: []report.Check{{Status: F}}}}, "none"},
		{"tags are exact", []report.Scenario{sc(P, "Light")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := report.Maturity(tt.scs); got != tt.want {
				t.Errorf("Maturity() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPartialRunClaimsNoMaturity(t *testing.T) {
	r := &report.Run{Scenarios: []report.Scenario{{Name: "a", Tags: []string{report.StageComplete}, Status: report.Passed}}}
	if got := r.RunMaturity(); got != report.StageComplete {
		t.Fatalf("full run: maturity %q, want %q", got, report.StageComplete)
	}
	r.Partial = true
	if got := r.RunMaturity(); got != "" {
		t.Fatalf("a narrowed run cannot vouch for stages it did not run: got %q", got)
	}
	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"maturity": ""`) {
		t.Fatalf("JSON claims a maturity for a partial run:\n%s", buf.String())
	}
}
