package report_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/faultline-dev/faultline/report"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestGolden renders the fixture with every renderer and compares the bytes
// with testdata/*.golden. Run `go test ./report -update` after an intended
// change and review the diff.
func TestGolden(t *testing.T) {
	renderers := map[string]func(*bytes.Buffer, *report.Run) error{
		"terminal.golden": func(b *bytes.Buffer, r *report.Run) error {
			return report.WriteTerminal(b, r, report.TerminalOptions{})
		},
		"terminal_color.golden": func(b *bytes.Buffer, r *report.Run) error {
			return report.WriteTerminal(b, r, report.TerminalOptions{Color: true, Width: 60})
		},
		"report.json.golden": func(b *bytes.Buffer, r *report.Run) error { return report.WriteJSON(b, r) },
		"junit.xml.golden":   func(b *bytes.Buffer, r *report.Run) error { return report.WriteJUnit(b, r) },
		"summary.md.golden":  func(b *bytes.Buffer, r *report.Run) error { return report.WriteMarkdown(b, r) },
	}
	for name, render := range renderers {
		t.Run(name, func(t *testing.T) {
			var got bytes.Buffer
			if err := render(&got, fixtureRun()); err != nil {
				t.Fatalf("render: %v", err)
			}
			path := filepath.Join("testdata", name)
			if *update {
				if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run `go test ./report -update` to create it)", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("%s differs from the golden file (rerun with -update and review the diff)\n--- got ---\n%s\n--- want ---\n%s", name, got.Bytes(), want)
			}
		})
	}
}
