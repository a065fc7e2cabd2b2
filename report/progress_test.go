package report_test

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/faultline-dev/faultline/report"

	"github.com/faultline-dev/faultline/internal/syncbuf"
)

func TestProgressDisabledWritesNothing(t *testing.T) {
	var buf bytes.Buffer
	p := report.NewProgress(&buf, 3, false)
	p.Done("a", report.Passed)
	p.Done("b", report.Failed)
	p.Close()
	if buf.Len() != 0 {
		t.Errorf("disabled progress wrote %q", buf.String())
	}
}

func TestProgressRewritesOneLine(t *testing.T) {
	var buf bytes.Buffer
	p := report.NewProgress(&buf, 3, true)
	p.Done("a longer name", report.Passed)
	p.Done("b", report.Failed)
	p.Done("c", report.Skipped)
	p.Close()
	p.Done("after close", report.Passed)
	want := "\r[1/3] ✓ a longer name" +
		"\r[2/3] ✗ b" + strings.Repeat(" ", 21-9) + // blanks what is left of the longer line
		"\r[3/3] ○ c" +
		"\r         \r"
	if got := buf.String(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if strings.Contains(buf.String(), "\n") {
		t.Error("progress wrote a newline")
	}
}

func TestProgressTruncatesLongNames(t *testing.T) {
	var buf bytes.Buffer
	p := report.NewProgress(&buf, 1, true)
	p.Done(strings.Repeat("x", 200)+"\nsecond line", report.Passed)
	line := strings.TrimPrefix(buf.String(), "\r")
	if n := len([]rune(line)); n != 79 || !strings.HasSuffix(line, "…") {
		t.Errorf("line of %d runes, want 79 ending in …: %q", n, line)
	}
}

func TestProgressConcurrent(t *testing.T) {
	var buf syncbuf.Buffer
	p := report.NewProgress(&buf, 40, true)
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.Done(fmt.Sprintf("s%d", i), report.Passed)
		}()
	}
	wg.Wait()
	p.Close()
	if !strings.Contains(buf.String(), "[40/40]") {
		t.Errorf("final count missing: %q", buf.String())
	}
}
