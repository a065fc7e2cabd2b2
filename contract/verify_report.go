package contract

import (
	"fmt"
	"net/url"
	"time"

	"github.com/faultline-dev/faultline/cassettes"
	"github.com/faultline-dev/faultline/internal/english"
	"github.com/faultline-dev/faultline/report"
)

// VerifyReportOptions describe the verification a report is of.
type VerifyReportOptions struct {
	// Files names each cassette verified, in the order given to
	// VerifyReport: each case's file.
	Files       []string
	Command     string    // the command line that repeats the verification, if any
	ToolVersion string    // the version of the program that verified
	Start       time.Time // when the verification began; the report lasts until now
}

// VerifyReport judges every interaction of the cassettes with Verify and
// turns the verdicts into a report of kind "verify", for the same
// renderers as a scenario run: a case per interaction, named
// "#ID METHOD URL (operation)", with a check for the request and one for
// the response; each violation fails its check. An interaction the spec
// has no operation for is a skipped case (listed, not failed), one that
// could not be judged an errored case.
func (s *Spec) VerifyReport(cs []*cassettes.Cassette, o VerifyReportOptions) *report.Run {
	run := &report.Run{Tool: "faultline", ToolVersion: o.ToolVersion, Kind: "verify", StartedAt: o.Start, Command: o.Command}
	for i, c := range cs {
		file := ""
		if i < len(o.Files) {
			file = o.Files[i]
		}
		for _, v := range s.Verify(c) {
			run.Scenarios = append(run.Scenarios, verifyCase(file, v))
		}
	}
	run.Duration = time.Since(o.Start)
	run.Finalize()
	return run
}

func verifyCase(file string, v Verdict) report.Scenario {
	it := v.Interaction
	sc := report.Scenario{Name: fmt.Sprintf("#%d %s %s", it.ID, it.Request.Method, it.Request.URL), File: file, Tags: []string{"contract"}}
	switch {
	case v.Err != "":
		sc.Error = v.Err
		return sc
	case v.Unknown():
		sc.Status, sc.SkipReason = report.Skipped, fmt.Sprintf("unknown operation: the spec has no %s %s", it.Request.Method, urlPath(it.Request.URL))
		return sc
	}
	sc.Name += " (" + v.Operation.Name() + ")"
	sc.Checks = []report.Check{
		verifyCheck("request conforms", "valid for "+v.Operation.Name(), v.Request),
		verifyCheck("response conforms", fmt.Sprintf("status %d documented, body valid", it.Response.Code), v.Response),
	}
	return sc
}

func verifyCheck(name, expected string, vs []Violation) report.Check {
	ch := report.Check{Name: name, Status: report.Passed, Expected: expected, Observed: "conforms"}
	if len(vs) == 0 {
		return ch
	}
	ch.Status = report.Failed
	ch.Observed = english.Count(len(vs), "violation")
	ch.Message = vs[0].String()
	for _, v := range vs[1:] {
		ch.Evidence = append(ch.Evidence, v.String())
	}
	return ch
}

// urlPath is the path of a recorded URL (the whole URL if it has none).
func urlPath(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Path != "" {
		return u.Path
	}
	return raw
}
