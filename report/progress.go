package report

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/charmbracelet/lipgloss"
	"golang.org/x/term"
)

// Progress is a one-line progress indicator for terminals: each Done
// rewrites the line in place ("[12/31] ✓ name") and Close clears it, so the
// final report starts on a clean line. It is safe for concurrent use, and
// every method is a no-op when it was created disabled (pass
// [ColorEnabled] or a terminal check as enabled; never draw it into CI logs).
type Progress struct {
	mu     sync.Mutex
	w      io.Writer
	on     bool
	total  int
	done   int
	width  int // terminal width in cells
	shown  int // width of the line currently on screen
	closed bool
}

// NewProgress returns a Progress over total scenarios writing to w. When
// enabled is false it never writes anything.
func NewProgress(w io.Writer, total int, enabled bool) *Progress {
	p := &Progress{w: w, on: enabled, total: total, width: 80}
	if f, ok := w.(interface{ Fd() uintptr }); ok && enabled {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
			p.width = cols
		}
	}
	return p
}

// Done records that the scenario name finished with status st and redraws
// the line.
func (p *Progress) Done(name string, st Status) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.on || p.closed {
		return
	}
	p.done++
	count := fmt.Sprintf("[%d/%d]", p.done, p.total)
	if p.total <= 0 {
		count = fmt.Sprintf("[%d]", p.done)
	}
	mark := "✗"
	switch st {
	case Passed:
		mark = "✓"
	case Skipped:
		mark = "○"
	case Interrupted:
		mark = "■"
	}
	p.draw(truncate(count+" "+mark+" "+printable(oneLine(name)), p.width-1))
}

// Close clears the progress line. Later calls to Done do nothing.
func (p *Progress) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.on || p.closed {
		return
	}
	p.closed = true
	if p.shown > 0 {
		fmt.Fprint(p.w, "\r"+strings.Repeat(" ", p.shown)+"\r")
	}
}

// draw replaces the current line with line, blanking any leftover cells.
func (p *Progress) draw(line string) {
	n := lipgloss.Width(line)
	fmt.Fprint(p.w, "\r"+line+strings.Repeat(" ", max(p.shown-n, 0)))
	p.shown = n
}

// truncate shortens s to at most width cells, ending it with "…" when cut.
func truncate(s string, width int) string {
	if lipgloss.Width(s) <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && lipgloss.Width(string(r))+1 > width {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}
