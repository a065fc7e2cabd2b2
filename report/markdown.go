package report

import (
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes r as GitHub-flavoured Markdown, meant for
// $GITHUB_STEP_SUMMARY or a pull-request comment: a heading with ✅ or ❌
// and the counts, a line with seed, duration and maturity, a table of
// failing checks, warnings if any, the commands that reproduce the failures,
// and a collapsed <details> list of every scenario.
func WriteMarkdown(w io.Writer, r *Run) error {
	if r == nil {
		return errNilRun
	}
	var b strings.Builder
	mdHeading(&b, r)
	mdFailures(&b, r)
	mdWarnings(&b, r)
	mdReproduce(&b, r)
	mdAll(&b, r)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("report: write Markdown: %w", err)
	}
	return nil
}

func mdHeading(b *strings.Builder, r *Run) {
	s := r.Summary()
	title := "faultline"
	if r.Kind != "" {
		title += " " + r.Kind
	}
	switch {
	case r.Interrupted:
		fmt.Fprintf(b, "## ⏹️ %s: interrupted, %d of %d not judged\n\n", title, s.Interrupted, s.Total)
	case s.Failed > 0:
		fmt.Fprintf(b, "## ❌ %s: %d of %d failed\n\n", title, s.Failed, s.Total)
	default:
		fmt.Fprintf(b, "## ✅ %s: %d passed\n\n", title, s.Passed)
	}
	fmt.Fprintf(b, "**%d** passed · **%d** failed · **%d** skipped", s.Passed, s.Failed, s.Skipped)
	if s.Interrupted > 0 || r.Interrupted {
		fmt.Fprintf(b, " · **%d** interrupted", s.Interrupted)
	}
	fmt.Fprintf(b, " · seed `%d` · %s", r.Seed, compactDuration(r.Duration))
	if m := r.RunMaturity(); m != "" {
		fmt.Fprintf(b, " · maturity **%s**", m)
	}
	b.WriteString("\n")
}

func mdFailures(b *strings.Builder, r *Run) {
	var rows [][]string
	for i := range r.Scenarios {
		sc := &r.Scenarios[i]
		if outcome(sc) != Failed {
			continue
		}
		if sc.Error != "" {
			rows = append(rows, []string{sc.Name, "(could not run)", "", "", sc.Error})
		}
		checks := failedChecks(sc)
		for _, c := range checks {
			rows = append(rows, []string{sc.Name, c.Name, c.Expected, c.Observed, c.Message})
		}
		if sc.Error == "" && len(checks) == 0 {
			rows = append(rows, []string{sc.Name, "", "", "", "no failing check recorded"})
		}
	}
	if len(rows) == 0 {
		return
	}
	b.WriteString("\n### Failures\n\n")
	mdTable(b, []string{"Scenario", "Check", "Expected", "Observed", "Message"}, rows)
}

func mdWarnings(b *strings.Builder, r *Run) {
	var rows [][]string
	for _, sc := range r.Scenarios {
		for _, c := range sc.Checks {
			if c.warned() {
				rows = append(rows, []string{sc.Name, c.Name, c.Message})
			}
		}
	}
	if len(rows) == 0 {
		return
	}
	b.WriteString("\n### ⚠️ Warnings\n\n")
	mdTable(b, []string{"Scenario", "Check", "Message"}, rows)
}

func mdReproduce(b *strings.Builder, r *Run) {
	cmds := reproduceLines(r)
	if len(cmds) == 0 {
		return
	}
	body := strings.Join(cmds, "\n")
	fence := strings.Repeat("`", max(3, longestRun(body, '`')+1))
	fmt.Fprintf(b, "\nReproduce:\n\n%ssh\n%s\n%s\n", fence, body, fence)
}

func mdAll(b *strings.Builder, r *Run) {
	fmt.Fprintf(b, "\n<details>\n<summary>All scenarios (%d)</summary>\n\n", len(r.Scenarios))
	rows := make([][]string, 0, len(r.Scenarios))
	for i := range r.Scenarios {
		sc := &r.Scenarios[i]
		st := outcome(sc)
		note, dur := "", compactDuration(sc.Duration)
		if st == Skipped || st == Interrupted {
			note = sc.SkipReason
			if sc.Duration == 0 {
				dur = ""
			}
		}
		rows = append(rows, []string{mdMark(st) + " " + string(st), sc.Name,
			dur, sc.File, strings.Join(sc.Tags, ", "), note})
	}
	if len(rows) > 0 {
		mdTable(b, []string{"Status", "Scenario", "Duration", "File", "Tags", "Note"}, rows)
		b.WriteString("\n")
	}
	b.WriteString("</details>\n")
}

func mdMark(s Status) string {
	switch s {
	case Passed:
		return "✅"
	case Skipped:
		return "⏭️"
	case Interrupted:
		return "⏹️"
	}
	return "❌"
}

func mdTable(b *strings.Builder, head []string, rows [][]string) {
	b.WriteString("| " + strings.Join(head, " | ") + " |\n|")
	b.WriteString(strings.Repeat(" --- |", len(head)) + "\n")
	for _, row := range rows {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = mdCell(c)
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
}

var mdCellEscaper = strings.NewReplacer(
	"\\", "\\\\",
	"|", "\\|",
	"&", "&amp;",
	"<", "&lt;",
	">", "&gt;",
	"\r\n", "<br>",
	"\n", "<br>",
	"\r", "<br>",
)

// mdCell makes s safe inside a table cell: pipes escaped, HTML neutralised,
// line breaks as <br>, control characters made visible.
func mdCell(s string) string {
	return printable(mdCellEscaper.Replace(strings.TrimRight(s, "\r\n")))
}

// longestRun is the length of the longest run of c in s.
func longestRun(s string, c byte) int {
	best, cur := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			cur++
			best = max(best, cur)
		} else {
			cur = 0
		}
	}
	return best
}
