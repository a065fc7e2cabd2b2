package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"
)

//go:embed html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Parse(htmlSource))

// WriteHTML writes r as one self-contained HTML page (no network, no CDN:
// styles, script and drawings are inline): a summary, filters by status
// and tag, and for each scenario its failing checks with expected and
// observed, its attempt timeline drawn as SVG on a time axis (attempts
// coloured by status, the waits between them, Retry-After marks, spans such
// as an open breaker), the evidence beside it, and the command that
// reproduces it. The page renders without script; script only filters.
func WriteHTML(w io.Writer, r *Run) error {
	if r == nil {
		return errNilRun
	}
	if err := htmlTemplate.Execute(w, newHTMLView(r)); err != nil {
		return fmt.Errorf("report: write HTML: %w", err)
	}
	return nil
}

// htmlView is what the template shows: the run digested into strings and
// geometry, so the template holds no logic beyond loops.
type htmlView struct {
	Title, Kind, Command, Maturity, Duration, Started, Version string
	Seed                                                       int64
	ShowSeed                                                   bool
	Summary                                                    Summary
	Passed, Interrupted                                        bool
	Tags                                                       []string
	Scenarios                                                  []htmlScenario
	Reproduce                                                  []string
}

type htmlScenario struct {
	Anchor, Name, File, Status, Duration, Tags, SkipReason, Error, Reproduce, Output string
	TagList                                                                          []string
	Failed                                                                           bool
	Checks                                                                           []Check
	Warnings                                                                         []Check
	Evidence                                                                         []string
	Timeline                                                                         *svgTimeline
}

func newHTMLView(r *Run) htmlView {
	v := htmlView{Kind: r.Kind, Command: r.Command, Maturity: r.RunMaturity(), Duration: compactDuration(r.Duration),
		Version: r.ToolVersion, Seed: r.Seed, ShowSeed: r.Seeded(), Summary: r.Summary(), Passed: r.Passed(), Interrupted: r.Interrupted,
		Reproduce: reproduceLines(r)}
	v.Title = "faultline"
	if r.Kind != "" {
		v.Title += " " + r.Kind
	}
	if !r.StartedAt.IsZero() {
		v.Started = r.StartedAt.UTC().Format(time.RFC3339)
	}
	tags := map[string]bool{}
	for i := range r.Scenarios {
		sc := &r.Scenarios[i]
		for _, t := range sc.Tags {
			tags[t] = true
		}
		v.Scenarios = append(v.Scenarios, newHTMLScenario(i, sc))
	}
	for t := range tags {
		v.Tags = append(v.Tags, t)
	}
	sort.Strings(v.Tags)
	return v
}

func newHTMLScenario(i int, sc *Scenario) htmlScenario {
	st := outcome(sc)
	h := htmlScenario{Anchor: fmt.Sprintf("s%d", i+1), Name: sc.Name, File: sc.File, Status: string(st),
		Tags: " " + strings.Join(sc.Tags, " ") + " ", TagList: sc.Tags, SkipReason: sc.SkipReason, Error: sc.Error,
		Reproduce: sc.Reproduce, Output: sc.Output, Failed: st == Failed, Evidence: sc.Evidence}
	if sc.Duration > 0 || st != Skipped {
		h.Duration = compactDuration(sc.Duration)
	}
	for _, c := range sc.Checks {
		switch {
		case c.failed():
			h.Checks = append(h.Checks, c)
		case c.warned():
			h.Warnings = append(h.Warnings, c)
		}
	}
	if len(sc.Timeline) > 0 {
		h.Timeline = newSVGTimeline(sc.Timeline, sc.Spans)
	}
	return h
}
