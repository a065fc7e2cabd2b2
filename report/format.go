package report

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// compactDuration formats d for humans: "12ms" below a second, "1.5s" below
// a minute, "1m5s" or "1h2m0s" above. Negative durations print as "0ms".
func compactDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	if d < time.Second-time.Millisecond/2 {
		return fmt.Sprintf("%dms", d.Round(time.Millisecond).Milliseconds())
	}
	if tenths := d.Round(100 * time.Millisecond); tenths < time.Minute {
		return fmt.Sprintf("%.1fs", tenths.Seconds())
	}
	return d.Round(time.Second).String()
}

// timeline renders steps as "503 ─1.0s─▶ 429 ─2.0s─▶ 200", or with "-" and
// "->" when ascii is true. A zero wait between two steps is shown as a bare
// arrow.
func timeline(steps []Step, ascii bool) string {
	dash, head := "─", "─▶"
	if ascii {
		dash, head = "-", "->"
	}
	var b strings.Builder
	for i, s := range steps {
		if i > 0 {
			b.WriteString(" " + dash)
			if s.Wait > 0 {
				b.WriteString(compactDuration(s.Wait) + dash)
			}
			b.WriteString(head[len(dash):] + " ")
		}
		b.WriteString(s.Label)
	}
	return b.String()
}

// printable replaces control characters other than tab and newline with a
// visible escape such as \x1b, so producer text (response bodies, headers)
// cannot move the cursor or recolour a terminal.
func printable(s string) string {
	if strings.IndexFunc(s, unsafeRune) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unsafeRune(r) {
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	return r != '\t' && r != '\n' && unicode.IsControl(r)
}

// seconds formats d as seconds with three decimals, as JUnit expects.
func seconds(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	return fmt.Sprintf("%.3f", d.Seconds())
}
