package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// SchemaVersion is the version of the JSON report format written by
// [WriteJSON] and the only one [ReadJSON] accepts. See SCHEMA.md.
const SchemaVersion = 1

// ErrSchema is returned (wrapped) by [ReadJSON] for input that is not a
// faultline report of a supported schema version.
var ErrSchema = errors.New("not a supported faultline JSON report")

// The wire structs fix key names and order; the model stays free of tags.
type jsonRun struct {
	SchemaVersion int            `json:"schema_version"`
	Tool          string         `json:"tool"`
	ToolVersion   string         `json:"tool_version"`
	Kind          string         `json:"kind"`
	Seed          int64          `json:"seed"`
	StartedAt     string         `json:"started_at"`
	DurationMS    int64          `json:"duration_ms"`
	Command       string         `json:"command"`
	Summary       jsonSummary    `json:"summary"`
	Interrupted   bool           `json:"interrupted"`
	Maturity      string         `json:"maturity"`
	Scenarios     []jsonScenario `json:"scenarios"`
}

type jsonSummary struct {
	Total       int `json:"total"`
	Passed      int `json:"passed"`
	Failed      int `json:"failed"`
	Skipped     int `json:"skipped"`
	Interrupted int `json:"interrupted"`
}

type jsonScenario struct {
	Name       string      `json:"name"`
	File       string      `json:"file"`
	Tags       []string    `json:"tags"`
	Status     Status      `json:"status"`
	DurationMS int64       `json:"duration_ms"`
	Error      string      `json:"error"`
	SkipReason string      `json:"skip_reason"`
	Reproduce  string      `json:"reproduce"`
	Checks     []jsonCheck `json:"checks"`
	Timeline   []jsonStep  `json:"timeline"`
	Evidence   []string    `json:"evidence"`
}

type jsonCheck struct {
	Name     string   `json:"name"`
	Status   Status   `json:"status"`
	Expected string   `json:"expected"`
	Observed string   `json:"observed"`
	Message  string   `json:"message"`
	Warning  bool     `json:"warning"`
	Evidence []string `json:"evidence"`
}

type jsonStep struct {
	Label  string `json:"label"`
	WaitMS int64  `json:"wait_ms"`
}

// WriteJSON writes r as an indented JSON document (schema_version 1, keys
// documented in SCHEMA.md) followed by a newline. Summary, maturity and each
// scenario's status are derived as the other renderers show them; durations
// are whole milliseconds.
func WriteJSON(w io.Writer, r *Run) error {
	if r == nil {
		return errNilRun
	}
	s := r.Summary()
	out := jsonRun{
		SchemaVersion: SchemaVersion,
		Tool:          r.Tool,
		ToolVersion:   r.ToolVersion,
		Kind:          r.Kind,
		Seed:          r.Seed,
		StartedAt:     r.StartedAt.Format(time.RFC3339Nano),
		DurationMS:    r.Duration.Milliseconds(),
		Command:       r.Command,
		Summary:       jsonSummary{s.Total, s.Passed, s.Failed, s.Skipped, s.Interrupted},
		Interrupted:   r.Interrupted,
		Maturity:      r.RunMaturity(),
		Scenarios:     make([]jsonScenario, 0, len(r.Scenarios)),
	}
	for i := range r.Scenarios {
		out.Scenarios = append(out.Scenarios, toJSONScenario(&r.Scenarios[i]))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("report: write JSON: %w", err)
	}
	return nil
}

func toJSONScenario(sc *Scenario) jsonScenario {
	js := jsonScenario{
		Name:       sc.Name,
		File:       sc.File,
		Tags:       nonNil(sc.Tags),
		Status:     outcome(sc),
		DurationMS: sc.Duration.Milliseconds(),
		Error:      sc.Error,
		SkipReason: sc.SkipReason,
		Reproduce:  sc.Reproduce,
		Checks:     make([]jsonCheck, 0, len(sc.Checks)),
		Timeline:   make([]jsonStep, 0, len(sc.Timeline)),
		Evidence:   nonNil(sc.Evidence),
	}
	for _, c := range sc.Checks {
		js.Checks = append(js.Checks, jsonCheck{
			Name: c.Name, Status: c.outcome(), Expected: c.Expected, Observed: c.Observed,
			Message: c.Message, Warning: c.Warning, Evidence: nonNil(c.Evidence),
		})
	}
	for _, st := range sc.Timeline {
		js.Timeline = append(js.Timeline, jsonStep{Label: st.Label, WaitMS: st.Wait.Milliseconds()})
	}
	return js
}

// ReadJSON loads a report written by [WriteJSON]. The derived keys (summary,
// maturity) are ignored; they are recomputed from the scenarios on demand.
// Unknown keys are ignored so newer minor additions still load.
func ReadJSON(r io.Reader) (*Run, error) {
	var in jsonRun
	dec := json.NewDecoder(r)
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("report: read JSON: %w", err)
	}
	if in.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("report: schema_version %d: %w (this faultline reads version %d)", in.SchemaVersion, ErrSchema, SchemaVersion)
	}
	run := &Run{
		Tool: in.Tool, ToolVersion: in.ToolVersion, Kind: in.Kind, Seed: in.Seed,
		Duration: time.Duration(in.DurationMS) * time.Millisecond, Command: in.Command,
		Interrupted: in.Interrupted,
	}
	if in.StartedAt != "" {
		t, err := time.Parse(time.RFC3339Nano, in.StartedAt)
		if err != nil {
			return nil, fmt.Errorf("report: read JSON: started_at %q is not an RFC 3339 time: %w", in.StartedAt, err)
		}
		run.StartedAt = t
	}
	for i, js := range in.Scenarios {
		sc, err := fromJSONScenario(js)
		if err != nil {
			return nil, fmt.Errorf("report: read JSON: scenarios[%d] %q: %w", i, js.Name, err)
		}
		run.Scenarios = append(run.Scenarios, sc)
	}
	return run, nil
}

func fromJSONScenario(js jsonScenario) (Scenario, error) {
	if js.Status != Interrupted { // a scenario's status, never a check's
		if err := validStatus(js.Status); err != nil {
			return Scenario{}, fmt.Errorf("%w (or interrupted)", err)
		}
	}
	sc := Scenario{
		Name: js.Name, File: js.File, Tags: nilIfEmpty(js.Tags), Status: js.Status,
		Duration: time.Duration(js.DurationMS) * time.Millisecond,
		Error:    js.Error, SkipReason: js.SkipReason, Reproduce: js.Reproduce,
		Evidence: nilIfEmpty(js.Evidence),
	}
	for i, jc := range js.Checks {
		if err := validStatus(jc.Status); err != nil {
			return Scenario{}, fmt.Errorf("checks[%d] %q: %w", i, jc.Name, err)
		}
		sc.Checks = append(sc.Checks, Check{
			Name: jc.Name, Status: jc.Status, Expected: jc.Expected, Observed: jc.Observed,
			Message: jc.Message, Warning: jc.Warning, Evidence: nilIfEmpty(jc.Evidence),
		})
	}
	for _, st := range js.Timeline {
		sc.Timeline = append(sc.Timeline, Step{Label: st.Label, Wait: time.Duration(st.WaitMS) * time.Millisecond})
	}
	return sc, nil
}

func validStatus(s Status) error {
	switch s {
	case "", Passed, Failed, Skipped:
		return nil
	}
	return fmt.Errorf("status %q is not one of passed, failed, skipped", s)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
