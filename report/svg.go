package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// svgTimeline is the geometry of one scenario's attempt timeline, laid out
// on a time axis: x grows with time since the first attempt.
type svgTimeline struct {
	Caption                     string // the terminal's rendering, for readers without the picture
	Width, Height, AxisY, MarkY int
	Ticks                       []svgTick
	Attempts                    []svgAttempt
	Waits                       []svgWait
	RetryAfter                  []svgMark
	Spans                       []svgSpan
}

type svgTick struct {
	X     float64
	Label string
}

type svgAttempt struct {
	X            float64
	Label, Class string
	Title        string // hover text: attempt number, time, label, how long it took
}

type svgWait struct {
	X1, X2, Mid float64
	Label       string
	Wide        bool // room for the label on the line
}

type svgMark struct {
	X     float64
	Title string
}

type svgSpan struct {
	X, W  float64
	Label string
}

const (
	svgWidth   = 720
	svgPad     = 28
	svgHeight  = 96 // the template draws marks at y=40 and the axis at y=76
	svgMarkY   = 40
	svgAxisY   = 76
	minWaitGap = 44 // pixels a wait needs for its label
)

func newSVGTimeline(steps []Step, spans []Span) *svgTimeline {
	at := make([]time.Duration, len(steps))
	end := time.Duration(0)
	for i, s := range steps {
		if i > 0 {
			at[i] = at[i-1] + s.Wait
		}
		end = max(end, at[i]+s.Took)
		if s.RetryAfter > 0 {
			end = max(end, at[i]+s.RetryAfter)
		}
	}
	for _, sp := range spans {
		end = max(end, sp.End)
	}
	step := tickStep(end)
	end = time.Duration(math.Ceil(float64(max(end, time.Millisecond))/float64(step))) * step
	x := func(d time.Duration) float64 {
		return math.Round((svgPad+float64(d)/float64(end)*(svgWidth-2*svgPad))*10) / 10
	}
	t := &svgTimeline{Caption: timeline(steps, false), Width: svgWidth, Height: svgHeight, AxisY: svgAxisY, MarkY: svgMarkY}
	for d := time.Duration(0); d <= end; d += step {
		t.Ticks = append(t.Ticks, svgTick{X: x(d), Label: compactDuration(d)})
	}
	for _, sp := range spans {
		t.Spans = append(t.Spans, svgSpan{X: x(sp.Start), W: max(x(sp.End)-x(sp.Start), 2), Label: sp.Label})
	}
	for i, s := range steps {
		title := fmt.Sprintf("attempt %d at %s: %s", i+1, compactDuration(at[i]), s.Label)
		if s.Took > 0 {
			title += ", answered in " + compactDuration(s.Took)
		}
		t.Attempts = append(t.Attempts, svgAttempt{X: x(at[i]), Label: shortLabel(s), Class: statusClass(s), Title: title})
		if s.RetryAfter > 0 {
			t.RetryAfter = append(t.RetryAfter, svgMark{X: x(at[i] + s.RetryAfter),
				Title: fmt.Sprintf("Retry-After %s from attempt %d: the earliest a retry was allowed", compactDuration(s.RetryAfter), i+1)})
		}
		if i > 0 {
			x1, x2 := x(at[i-1]), x(at[i])
			t.Waits = append(t.Waits, svgWait{X1: x1, X2: x2, Mid: (x1 + x2) / 2, Label: compactDuration(s.Wait), Wide: x2-x1 >= minWaitGap})
		}
	}
	return t
}

// tickStep is a round interval (1, 2 or 5 times a power of ten) that cuts
// the span d into about five ticks.
func tickStep(d time.Duration) time.Duration {
	raw := float64(max(d, time.Millisecond)) / 5
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*pow >= raw {
			return max(time.Duration(m*pow), time.Microsecond)
		}
	}
	return time.Duration(10 * pow)
}

// statusCode is the step's HTTP status: Status, or a label starting with
// three digits from producers that fill only the label.
func statusCode(s Step) int {
	if s.Status != 0 {
		return s.Status
	}
	head, _, _ := strings.Cut(s.Label, " ")
	if n, err := strconv.Atoi(head); err == nil && n >= 100 && n <= 599 {
		return n
	}
	return 0
}

// statusClass colours an attempt: by status class, or "conn" for an
// attempt whose connection ended without an answer (reset, close, hang).
func statusClass(s Step) string {
	if c := statusCode(s); c != 0 {
		return fmt.Sprintf("s%dxx", c/100)
	}
	return "conn"
}

// shortLabel is what is written above an attempt: the status, or how the
// connection ended, without the Retry-After (drawn as its own mark).
func shortLabel(s Step) string {
	l, _, _ := strings.Cut(s.Label, " (")
	return l
}
