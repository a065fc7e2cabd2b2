package cassettes

import (
	"fmt"
	"slices"
	"time"

	"github.com/faultline-dev/faultline/internal/english"
	"github.com/faultline-dev/faultline/report"
)

// DriftReportOptions describe the drift check a report is of.
type DriftReportOptions struct {
	File        string    // the cassette checked, each case's file
	Command     string    // the command line that repeats the check, if any
	ToolVersion string    // the version of the program that checked
	Start       time.Time // when the check began; the report lasts until now
}

// DriftReport turns Drift's results into a report of kind "drift", for the
// same renderers as a scenario run: a case per interaction, named
// "#ID METHOD URL", with a check per aspect compared (status class, content
// type, JSON shape). A breaking difference fails its check and an additive
// one passes it with a warning; a skipped interaction is a skipped case, one
// whose live request failed an errored case.
func DriftReport(results []DriftResult, o DriftReportOptions) *report.Run {
	run := &report.Run{Tool: "faultline", ToolVersion: o.ToolVersion, Kind: "drift", StartedAt: o.Start,
		Duration: time.Since(o.Start), Command: o.Command}
	for _, r := range results {
		run.Scenarios = append(run.Scenarios, driftCase(o.File, r))
	}
	run.Finalize()
	return run
}

func driftCase(file string, r DriftResult) report.Scenario {
	sc := report.Scenario{Name: fmt.Sprintf("#%d %s %s", r.Interaction.ID, r.Interaction.Method, r.Interaction.URL), File: file,
		Tags: []string{"drift"}}
	switch {
	case r.Skipped != "":
		sc.Status, sc.SkipReason = report.Skipped, r.Skipped
		return sc
	case r.Err != "":
		sc.Error = "live request failed: " + r.Err
		return sc
	}
	for _, aspect := range []struct {
		name  string
		kinds []string
	}{
		{"status class", []string{DiffStatusClass}},
		{"content type", []string{DiffContentType}},
		{"json shape", []string{DiffAdded, DiffRemoved, DiffTypeChanged, DiffNullVsMissing}},
	} {
		sc.Checks = append(sc.Checks, driftCheck(aspect.name, aspect.kinds, r.Differences))
	}
	return sc
}

func driftCheck(name string, kinds []string, diffs []Difference) report.Check {
	ch := report.Check{Name: name, Status: report.Passed, Expected: "as recorded", Observed: "as recorded"}
	var seen []string
	for _, d := range diffs {
		if !slices.Contains(kinds, d.Kind) {
			continue
		}
		line := fmt.Sprintf("%s %s: recorded %s, live %s (%s)", d.Kind, d.Path, d.Recorded, d.Live, d.Severity)
		seen = append(seen, line)
		if d.Severity == SeverityBreaking {
			ch.Status = report.Failed
		} else if d.Severity == SeverityAdditive {
			ch.Warning = true
		}
	}
	if len(seen) > 0 {
		ch.Observed = english.Count(len(seen), "difference")
		ch.Message, ch.Evidence = seen[0], seen
	}
	return ch
}
