package report_test

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/faultline-dev/faultline/report"
)

func writeTerminal(t *testing.T, r *report.Run, opts report.TerminalOptions) string {
	t.Helper()
	var buf bytes.Buffer
	if err := report.WriteTerminal(&buf, r, opts); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestTerminalPlainIsASCII(t *testing.T) {
	out := writeTerminal(t, fixtureRun(), report.TerminalOptions{})
	for i, r := range out {
		if r >= utf8.RuneSelf || (r < 0x20 && r != '\n') {
			t.Fatalf("non-ASCII or control rune %q at %d:\n%s", r, i, out)
		}
	}
	for _, want := range []string{"PASS retries a 503", "FAIL honours Retry-After", "SKIP stripe webhook replay (STRIPE_WEBHOOK_SECRET not set)",
		"WARN schema:", "timeline: 503 -1.0s-> 429 (Retry-After 2) -1.0s-> reset -1m5s-> 200",
		"expected: wait >= 2s after a 429", "observed: waited 1.0s", "error: scenarios/broken.yaml:3",
		"FAIL 5 scenarios: 2 passed, 2 failed, 1 skipped  seed=42  duration=4.3s  maturity=light"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

func TestTerminalColorUsesANSIAndUnicode(t *testing.T) {
	out := writeTerminal(t, fixtureRun(), report.TerminalOptions{Color: true})
	for _, want := range []string{"\x1b[", "✓", "✗", "○", "⚠", "503 ─1.0s─▶ 429", "… 3 more"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

func TestTerminalEvidenceIsElided(t *testing.T) {
	out := writeTerminal(t, fixtureRun(), report.TerminalOptions{})
	if !strings.Contains(out, "#7 GET") || strings.Contains(out, "#8 GET") || !strings.Contains(out, "... 3 more") {
		t.Errorf("want 7 evidence lines then \"... 3 more\":\n%s", out)
	}
	exactly8 := fixtureRun()
	exactly8.Scenarios[2].Evidence = exactly8.Scenarios[2].Evidence[:8]
	out = writeTerminal(t, exactly8, report.TerminalOptions{})
	if !strings.Contains(out, "#8 GET") || strings.Contains(out, "more") {
		t.Errorf("8 lines should all be shown:\n%s", out)
	}
}

func TestTerminalSummaryAndReproduce(t *testing.T) {
	out := writeTerminal(t, fixtureRun(), report.TerminalOptions{})
	tail := out[strings.LastIndex(out, "FAIL 5 scenarios"):]
	want := "FAIL 5 scenarios: 2 passed, 2 failed, 1 skipped  seed=42  duration=4.3s  maturity=light\n" +
		"reproduce:\n" +
		"  faultline run scenarios/retry.yaml --seed 42 --only 'honours Retry-After'\n" +
		"  faultline run scenarios/ --seed 42\n"
	if tail != want {
		t.Errorf("tail\n got: %q\nwant: %q", tail, want)
	}

	ok := &report.Run{Seed: 9, Command: "faultline run", Scenarios: []report.Scenario{{Name: "a", Status: report.Passed}}}
	out = writeTerminal(t, ok, report.TerminalOptions{})
	if strings.Contains(out, "reproduce") || !strings.Contains(out, "PASS 1 scenario: 1 passed, 0 failed, 0 skipped  seed=9") {
		t.Errorf("passing run:\n%s", out)
	}
	if strings.Contains(out, "maturity") {
		t.Errorf("maturity shown without stage tags:\n%s", out)
	}
}

func TestTerminalWidthAlignsDurations(t *testing.T) {
	out := writeTerminal(t, fixtureRun(), report.TerminalOptions{Width: 50})
	for _, l := range strings.Split(out, "\n")[:6] {
		if strings.HasPrefix(l, "PASS") || strings.HasPrefix(l, "FAIL") {
			if len(l) != 50 {
				t.Errorf("line %q is %d wide, want 50", l, len(l))
			}
		}
	}
}

func TestTerminalNeutralisesControlCharacters(t *testing.T) {
	r := &report.Run{Scenarios: []report.Scenario{{
		Name: "evil\x1b[2J", Status: report.Failed, Error: "boom\rgone",
		Evidence: []string{"body: \x1b]0;title\x07"},
	}}}
	for _, color := range []bool{false, true} {
		out := writeTerminal(t, r, report.TerminalOptions{Color: color})
		plain := strings.NewReplacer("\x1b[0m", "", "\x1b[1m", "", "\x1b[2m", "", "\x1b[31m", "", "\x1b[32m", "", "\x1b[33m", "").Replace(out)
		if strings.ContainsAny(plain, "\x1b\r\x07") {
			t.Errorf("color=%v: raw control characters leaked:\n%q", color, out)
		}
		if !strings.Contains(out, `evil\x1b[2J`) || !strings.Contains(out, `boom\x0dgone`) {
			t.Errorf("color=%v: control characters not made visible:\n%q", color, out)
		}
	}
}

func TestTerminalFailedWithoutChecks(t *testing.T) {
	out := writeTerminal(t, &report.Run{Scenarios: []report.Scenario{{Name: "x", Status: report.Failed}}}, report.TerminalOptions{})
	if !strings.Contains(out, "no failing check recorded") {
		t.Errorf("output:\n%s", out)
	}
}

func TestColorEnabledNotForBuffer(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	if report.ColorEnabled(&bytes.Buffer{}, false) {
		t.Error("ColorEnabled(bytes.Buffer) = true")
	}
}

type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, bytes.ErrTooLarge }

func TestRenderersReportWriteErrors(t *testing.T) {
	r := fixtureRun()
	errs := map[string]error{
		"terminal": report.WriteTerminal(errWriter{}, r, report.TerminalOptions{}),
		"json":     report.WriteJSON(errWriter{}, r),
		"junit":    report.WriteJUnit(errWriter{}, r),
		"markdown": report.WriteMarkdown(errWriter{}, r),
	}
	for name, err := range errs {
		if err == nil {
			t.Errorf("%s: no error from a failing writer", name)
		}
	}
}

func TestColorEnabledOnTerminal(t *testing.T) {
	tty, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer tty.Close()
	tests := []struct {
		name, noColor, term string
		flag, want          bool
	}{
		{"terminal", "", "xterm-256color", false, true},
		{"NO_COLOR set", "1", "xterm-256color", false, false},
		{"flag set", "", "xterm-256color", true, false},
		{"dumb terminal", "", "dumb", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("NO_COLOR", tt.noColor)
			t.Setenv("TERM", tt.term)
			if got := report.ColorEnabled(tty, tt.flag); got != tt.want {
				t.Errorf("ColorEnabled = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRenderersRejectNilRun(t *testing.T) {
	var buf bytes.Buffer
	errs := []error{
		report.WriteTerminal(&buf, nil, report.TerminalOptions{}),
		report.WriteJSON(&buf, nil),
		report.WriteJUnit(&buf, nil),
		report.WriteMarkdown(&buf, nil),
	}
	for i, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "nil") {
			t.Errorf("renderer %d: err = %v", i, err)
		}
	}
	if buf.Len() != 0 {
		t.Errorf("wrote %q for a nil run", buf.String())
	}
}
