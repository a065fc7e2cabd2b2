package report

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"golang.org/x/term"
)

// TerminalOptions tunes [WriteTerminal].
type TerminalOptions struct {
	// Color turns on ANSI colours and Unicode marks (✓ ✗ ○, ─▶ arrows).
	// When false the output is plain ASCII decoration for CI logs: PASS,
	// FAIL, SKIP, WARN marks and -> arrows. Text written by producers (names,
	// evidence) is passed through, minus control characters.
	Color bool
	// Width is the terminal width in cells. When positive, durations are
	// right-aligned to it; otherwise they line up in a column after the
	// longest scenario name.
	Width int
	// Streamed says the scenario lines were already written one by one as
	// the scenarios finished ([WriteScenarioLine]): the report starts with
	// the failures.
	Streamed bool
	// Verbose shows each scenario's client output under its line.
	Verbose bool
}

// maxEvidence is how many evidence lines the terminal shows per block
// before eliding the rest.
const maxEvidence = 8

// maxNameColumn caps how far a long name can push the duration column.
const maxNameColumn = 60

// ColorEnabled reports whether output to w should be coloured: only when w
// is a terminal, the NO_COLOR environment variable is unset or empty, TERM
// is not "dumb", and noColorFlag (a --no-color flag) is false.
func ColorEnabled(w io.Writer, noColorFlag bool) bool {
	if noColorFlag || os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	return isTerminal(w)
}

// isTerminal reports whether w is a file descriptor attached to a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}

// WriteTerminal writes a human report of r to w: one line per scenario, then
// every failure expanded (failing checks with expected and observed,
// evidence, the attempt timeline), then a summary line with counts, seed,
// duration and maturity, and for a failed run the commands that reproduce
// each failure.
func WriteTerminal(w io.Writer, r *Run, opts TerminalOptions) error {
	if r == nil {
		return errNilRun
	}
	t := &termWriter{w: w, opts: opts, st: newTermStyles(w, opts.Color)}
	if !opts.Streamed {
		t.scenarioLines(r)
	}
	for i := range r.Scenarios {
		if outcome(&r.Scenarios[i]) == Failed {
			t.failure(&r.Scenarios[i])
		}
	}
	t.summary(r)
	return t.err
}

// termStyles holds the marks and colours of one terminal report.
type termStyles struct {
	ascii                           bool
	pass, fail, skip, warn, stop    string // marks, already styled
	green, red, yellow, bold, faint func(string) string
}

func newTermStyles(w io.Writer, color bool) termStyles {
	if !color {
		plain := func(s string) string { return s }
		return termStyles{
			ascii: true, pass: "PASS", fail: "FAIL", skip: "SKIP", warn: "WARN", stop: "STOP",
			green: plain, red: plain, yellow: plain, bold: plain, faint: plain,
		}
	}
	rd := lipgloss.NewRenderer(w)
	rd.SetColorProfile(termenv.ANSI)
	style := func(s lipgloss.Style) func(string) string {
		return func(x string) string { return s.Render(x) }
	}
	st := termStyles{
		green:  style(rd.NewStyle().Foreground(lipgloss.Color("2"))),
		red:    style(rd.NewStyle().Foreground(lipgloss.Color("1"))),
		yellow: style(rd.NewStyle().Foreground(lipgloss.Color("3"))),
		bold:   style(rd.NewStyle().Bold(true)),
		faint:  style(rd.NewStyle().Faint(true)),
	}
	st.pass, st.fail, st.skip, st.warn, st.stop = st.green("✓"), st.red("✗"), st.yellow("○"), st.yellow("⚠"), st.yellow("■")
	return st
}

func (st termStyles) mark(s Status) string {
	switch s {
	case Passed:
		return st.pass
	case Skipped:
		return st.skip
	case Interrupted:
		return st.stop
	}
	return st.fail
}

func (st termStyles) more(n int) string {
	if st.ascii {
		return fmt.Sprintf("... %d more", n)
	}
	return fmt.Sprintf("… %d more", n)
}

// termWriter accumulates the first write error so rendering code stays flat.
type termWriter struct {
	w    io.Writer
	opts TerminalOptions
	st   termStyles
	err  error
}

func (t *termWriter) line(format string, args ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format+"\n", args...)
	}
}

// scenarioLines writes one line per scenario, durations right-aligned in a
// column (or at Width), plus the warnings of its passed checks.
func (t *termWriter) scenarioLines(r *Run) {
	labels := make([]string, len(r.Scenarios))
	durs := make([]string, len(r.Scenarios))
	column, durColumn := 0, 0
	for i := range r.Scenarios {
		sc := &r.Scenarios[i]
		labels[i] = scenarioLabel(sc)
		if sc.Duration > 0 || outcome(sc) != Skipped {
			durs[i] = compactDuration(sc.Duration)
		}
		column = max(column, min(lipgloss.Width(labels[i]), maxNameColumn))
		durColumn = max(durColumn, len(durs[i]))
	}
	end := column + 2 + durColumn // where durations end, after the mark
	if t.opts.Width > 0 {
		end = t.opts.Width - lipgloss.Width(t.st.mark(Passed)) - 1 // all marks share a width
	}
	for i := range r.Scenarios {
		sc := &r.Scenarios[i]
		line := t.st.mark(outcome(sc)) + " " + labels[i]
		if durs[i] != "" {
			gap := max(end-lipgloss.Width(labels[i])-len(durs[i]), 1)
			line += strings.Repeat(" ", gap) + t.st.faint(durs[i])
		}
		t.line("%s", line)
		t.underLine(sc)
	}
}

// underLine writes what follows a scenario's line: the warnings of its
// passed checks and, when verbose, the client's output.
func (t *termWriter) underLine(sc *Scenario) {
	for _, c := range sc.Checks {
		if c.warned() {
			t.line("    %s %s", t.st.warn, printable(checkSummary(c)))
		}
	}
	if t.opts.Verbose && sc.Output != "" {
		t.block("    ", "output: ", sc.Output, t.st.faint)
	}
}

// WriteScenarioLine writes one finished scenario's line as a CI log shows
// it while the run goes on, like go test -v: "PASS name 1.2s" (marks and
// colours as in [WriteTerminal]), then its warnings and, when verbose, its
// client's output. A report that follows passes Streamed.
func WriteScenarioLine(w io.Writer, sc *Scenario, opts TerminalOptions) error {
	if sc == nil {
		return errNilRun
	}
	t := &termWriter{w: w, opts: opts, st: newTermStyles(w, opts.Color)}
	line := t.st.mark(outcome(sc)) + " " + scenarioLabel(sc)
	if sc.Duration > 0 || outcome(sc) != Skipped {
		line += " " + t.st.faint(compactDuration(sc.Duration))
	}
	t.line("%s", line)
	t.underLine(sc)
	return t.err
}

// scenarioLabel is the name shown on a scenario's line: its name, and for a
// skipped scenario the reason.
func scenarioLabel(sc *Scenario) string {
	label := printable(oneLine(sc.Name))
	switch st := outcome(sc); {
	case st == Skipped && sc.SkipReason != "":
		label += " (" + printable(oneLine(sc.SkipReason)) + ")"
	case st == Interrupted:
		label += " (interrupted)"
	}
	return label
}

// checkSummary is "name: message", or the name alone.
func checkSummary(c Check) string {
	if c.Message == "" {
		return c.Name
	}
	return c.Name + ": " + oneLine(c.Message)
}

// failure expands a failed scenario: error, failing checks, timeline, evidence.
func (t *termWriter) failure(sc *Scenario) {
	head := t.st.fail + " " + t.st.bold(printable(oneLine(sc.Name)))
	if sc.File != "" {
		head += t.st.faint(" (" + printable(sc.File) + ")")
	}
	t.line("")
	t.line("%s", head)
	if sc.Error != "" {
		t.block("    ", t.st.red("error: "), sc.Error, nil)
	}
	checks := failedChecks(sc)
	if sc.Error == "" && len(checks) == 0 {
		t.line("    no failing check recorded")
	}
	for _, c := range checks {
		t.line("    %s %s", t.st.red("check"), printable(oneLine(c.Name)))
		t.block("      ", "expected: ", c.Expected, nil)
		t.block("      ", "observed: ", c.Observed, nil)
		t.block("      ", "", c.Message, nil)
		t.evidence("      ", c.Evidence)
	}
	if len(sc.Timeline) > 0 {
		t.line("    timeline: %s", printable(timeline(sc.Timeline, t.st.ascii)))
	}
	t.evidence("    ", sc.Evidence)
}

// block writes "indent+label+text" with continuation lines indented under the
// text, each line styled by style when non-nil; nothing when text is empty.
func (t *termWriter) block(indent, label, text string, style func(string) string) {
	if text == "" {
		return
	}
	if style == nil {
		style = func(s string) string { return s }
	}
	cont := indent + strings.Repeat(" ", lipgloss.Width(label))
	for i, l := range strings.Split(printable(strings.TrimRight(crlf.Replace(text), "\n")), "\n") {
		if i == 0 {
			t.line("%s%s%s", indent, label, style(l))
		} else {
			t.line("%s%s", cont, style(l))
		}
	}
}

// evidence writes up to maxEvidence lines under an "evidence:" heading.
func (t *termWriter) evidence(indent string, lines []string) {
	if len(lines) == 0 {
		return
	}
	t.line("%sevidence:", indent)
	shown := lines
	if len(lines) > maxEvidence {
		shown = lines[:maxEvidence-1]
	}
	for _, l := range shown {
		t.block(indent+"  ", "", l, t.st.faint)
	}
	if len(shown) < len(lines) {
		t.line("%s  %s", indent, t.st.faint(t.st.more(len(lines)-len(shown))))
	}
}

// summary writes the counts line and the reproduce commands.
func (t *termWriter) summary(r *Run) {
	s := r.Summary()
	mark := t.st.pass
	switch {
	case s.Failed > 0:
		mark = t.st.fail
	case r.Interrupted:
		mark = t.st.stop
	}
	noun := "scenarios"
	if s.Total == 1 {
		noun = "scenario"
	}
	counts := fmt.Sprintf("%s passed, %s failed, %s skipped",
		t.st.green(fmt.Sprint(s.Passed)), t.st.red(fmt.Sprint(s.Failed)), t.st.yellow(fmt.Sprint(s.Skipped)))
	if s.Interrupted > 0 || r.Interrupted {
		counts += fmt.Sprintf(", %s interrupted", t.st.yellow(fmt.Sprint(s.Interrupted)))
	}
	text := fmt.Sprintf("%s %d %s: %s", mark, s.Total, noun, counts)
	if r.Seeded() {
		text += fmt.Sprintf("  seed=%d", r.Seed)
	}
	text += "  duration=" + compactDuration(r.Duration)
	if m := r.RunMaturity(); m != "" {
		text += "  maturity=" + m
	}
	t.line("")
	t.line("%s", text)
	if r.Interrupted {
		t.line("%s", t.st.yellow(fmt.Sprintf("run interrupted: %d of %d %s did not finish and were not judged; rerun to judge them", s.Interrupted, s.Total, noun)))
	}
	if cmds := reproduceLines(r); len(cmds) > 0 {
		t.line("reproduce:")
		for _, c := range cmds {
			t.line("  %s", printable(c))
		}
	}
}

var crlf = strings.NewReplacer("\r\n", "\n")

var lineBreaks = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ")

// oneLine folds line breaks into spaces so a value fits on one line.
func oneLine(s string) string { return lineBreaks.Replace(s) }
