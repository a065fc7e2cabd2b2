// Package report holds faultline's neutral result model and renders it for
// people and for CI.
//
// # The model
//
// One invocation of faultline produces one [Run]. A Run is a list of named
// [Scenario] values ("cases"), each judged by [Check] values and explained by
// evidence lines and a compact attempt [Step] timeline. Three producers fill
// it, and nothing in this package knows about them:
//
//   - faultline run: one Scenario per scenario of a scenario file, with the
//     file's checks;
//   - faultline drift: one Scenario per recorded interaction, one Check per
//     contract rule (additive drift is a passed Check with Warning set);
//   - faultline webhook: one Scenario per attack.
//
// A producer may set each Scenario's Status itself or leave it empty and call
// [Run.Finalize], which derives it from the checks. A Scenario whose Error is
// set could not run at all and always counts as failed. [Run.Summary] counts
// outcomes and [Run.Passed] is what the exit code follows.
//
// Scenarios may carry an audit stage as a tag ([StageLight], [StageFull],
// [StageComplete]); [Maturity] turns those into the highest stage the
// integration fully passes.
//
// # Renderers
//
// Every renderer takes an io.Writer and the Run, and never changes the Run:
//
//   - [WriteTerminal]: a line per scenario, failures expanded with expected
//     versus observed, evidence and a timeline such as
//     "503 ─1.0s─▶ 429 (Retry-After 2) ─2.0s─▶ 200", then a summary and the
//     commands that reproduce each failure. Plain ASCII unless colour is on
//     (see [ColorEnabled]); [Progress] draws a live line while scenarios run.
//   - [WriteJSON] and [ReadJSON]: a stable, versioned document (SCHEMA.md).
//   - [WriteJUnit]: JUnit XML for GitHub, GitLab and Jenkins test views.
//   - [WriteMarkdown]: a summary for $GITHUB_STEP_SUMMARY.
//
// # Example
//
//	run := &report.Run{Tool: "faultline", Kind: "run", Seed: 42, Scenarios: []report.Scenario{{
//		Name:     "retries a 503",
//		Checks:   []report.Check{{Name: "eventually succeeds", Status: report.Passed}},
//		Timeline: []report.Step{{Label: "503"}, {Label: "200", Wait: 100 * time.Millisecond}},
//	}}}
//	run.Finalize()
//	color := report.ColorEnabled(os.Stdout, noColor)
//	report.WriteTerminal(os.Stdout, run, report.TerminalOptions{Color: color})
//	if !run.Passed() {
//		os.Exit(1)
//	}
//
// Text in the model (names, evidence) must already be redacted by the
// producer; renderers only make it safe for their format (control characters
// made visible on terminals, XML-forbidden characters replaced, Markdown
// table cells escaped).
package report
