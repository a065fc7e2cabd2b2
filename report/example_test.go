package report_test

import (
	"fmt"
	"os"
	"time"

	"github.com/faultline-dev/faultline/report"
)

// A producer fills a Run, lets Finalize derive statuses from the checks,
// and renders it. With Color false the output is plain ASCII for CI logs.
func ExampleWriteTerminal() {
	run := &report.Run{
		Tool: "faultline", Kind: "run", Seed: 7, Duration: 2100 * time.Millisecond,
		Command: "faultline run retry.yaml --seed 7",
		Scenarios: []report.Scenario{
			{
				Name: "retries a 503", Tags: []string{report.StageLight}, Duration: 120 * time.Millisecond,
				Checks: []report.Check{{Name: "eventually succeeds", Status: report.Passed}},
			},
			{
				Name: "honours Retry-After", File: "retry.yaml", Tags: []string{report.StageFull}, Duration: 1980 * time.Millisecond,
				Checks: []report.Check{{
					Name: "waits as told", Status: report.Failed,
					Expected: "wait >= 2s", Observed: "waited 1.0s",
				}},
				Timeline:  []report.Step{{Label: "429 (Retry-After 2)"}, {Label: "200", Wait: time.Second}},
				Reproduce: "faultline run retry.yaml --seed 7 --only 'honours Retry-After'",
			},
		},
	}
	run.Finalize()
	if err := report.WriteTerminal(os.Stdout, run, report.TerminalOptions{Color: false}); err != nil {
		fmt.Println(err)
	}
	fmt.Println("exit", map[bool]int{true: 0, false: 1}[run.Passed()])
	// Output:
	// PASS retries a 503        120ms
	// FAIL honours Retry-After   2.0s
	//
	// FAIL honours Retry-After (retry.yaml)
	//     check waits as told
	//       expected: wait >= 2s
	//       observed: waited 1.0s
	//     timeline: 429 (Retry-After 2) -1.0s-> 200
	//
	// FAIL 2 scenarios: 1 passed, 1 failed, 0 skipped  seed=7  duration=2.1s  maturity=light
	// reproduce:
	//   faultline run retry.yaml --seed 7 --only 'honours Retry-After'
	// exit 1
}

// WriteJSON writes the stable, versioned document described in SCHEMA.md.
func ExampleWriteJSON() {
	run := &report.Run{
		Tool: "faultline", ToolVersion: "v1.0.0", Kind: "webhook", Seed: 1,
		StartedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Duration: 15 * time.Millisecond,
		Scenarios: []report.Scenario{{Name: "replayed delivery", Status: report.Passed, Duration: 15 * time.Millisecond}},
	}
	if err := report.WriteJSON(os.Stdout, run); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {
	//   "schema_version": 1,
	//   "tool": "faultline",
	//   "tool_version": "v1.0.0",
	//   "kind": "webhook",
	//   "seed": 1,
	//   "started_at": "2026-01-02T03:04:05Z",
	//   "duration_ms": 15,
	//   "command": "",
	//   "summary": {
	//     "total": 1,
	//     "passed": 1,
	//     "failed": 0,
	//     "skipped": 0,
	//     "interrupted": 0
	//   },
	//   "interrupted": false,
	//   "maturity": "",
	//   "scenarios": [
	//     {
	//       "name": "replayed delivery",
	//       "file": "",
	//       "tags": [],
	//       "status": "passed",
	//       "duration_ms": 15,
	//       "error": "",
	//       "skip_reason": "",
	//       "reproduce": "",
	//       "checks": [],
	//       "timeline": [],
	//       "evidence": []
	//     }
	//   ]
	// }
}

// One failed full-stage scenario caps the maturity at light.
func ExampleMaturity() {
	scs := []report.Scenario{
		{Name: "retry", Tags: []string{"light"}, Status: report.Passed},
		{Name: "breaker", Tags: []string{"full"}, Status: report.Passed},
		{Name: "idempotency", Tags: []string{"full"}, Status: report.Failed},
		{Name: "webhook replay", Tags: []string{"complete"}, Status: report.Passed},
	}
	fmt.Println(report.Maturity(scs))
	scs[2].Status = report.Skipped
	fmt.Println(report.Maturity(scs))
	// Output:
	// light
	// complete
}
