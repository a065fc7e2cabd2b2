package report_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/faultline-dev/faultline/report"
)

func TestJSONRoundTrip(t *testing.T) {
	want := fixtureRun()
	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, want); err != nil {
		t.Fatal(err)
	}
	got, err := report.ReadJSON(&buf)
	if err != nil {
		t.Fatalf("ReadJSON: %v", err)
	}
	if !got.StartedAt.Equal(want.StartedAt) {
		t.Errorf("StartedAt = %v, want %v", got.StartedAt, want.StartedAt)
	}
	got.StartedAt = want.StartedAt
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip changed the run\n got: %+v\nwant: %+v", got, want)
	}
}

func TestJSONDerivesStatusAndCountsWithoutChangingRun(t *testing.T) {
	r := &report.Run{Kind: "drift", Scenarios: []report.Scenario{
		{Name: "a", Checks: []report.Check{{Name: "c"}}}, // empty statuses
		{Name: "b", Checks: []report.Check{{Name: "c", Status: report.Failed}}},
	}}
	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	if r.Scenarios[0].Status != "" {
		t.Error("WriteJSON modified the run")
	}
	var doc struct {
		Summary   map[string]int
		Scenarios []struct {
			Status string
			Checks []struct{ Status string }
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Scenarios[0].Status != "passed" || doc.Scenarios[0].Checks[0].Status != "passed" || doc.Scenarios[1].Status != "failed" {
		t.Errorf("statuses not derived: %+v", doc.Scenarios)
	}
	if doc.Summary["failed"] != 1 || doc.Summary["passed"] != 1 || doc.Summary["total"] != 2 {
		t.Errorf("summary = %v", doc.Summary)
	}
}

func TestJSONKeys(t *testing.T) {
	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, fixtureRun()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasSuffix(out, "}\n") || !strings.HasPrefix(out, "{\n  \"schema_version\": 1,") {
		t.Errorf("want an indented document starting with schema_version and ending in a newline:\n%s", out)
	}

	var doc map[string]json.RawMessage
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	assertKeys(t, "run", doc, "schema_version", "tool", "tool_version", "kind", "seed", "started_at",
		"duration_ms", "command", "summary", "interrupted", "maturity", "scenarios")
	assertKeyOrder(t, out, "schema_version", "tool", "tool_version", "kind", "seed", "started_at",
		"duration_ms", "command", "summary", "interrupted", "maturity", "scenarios")

	var summary map[string]json.RawMessage
	mustUnmarshal(t, doc["summary"], &summary)
	assertKeys(t, "summary", summary, "total", "passed", "failed", "skipped", "interrupted")

	var scenarios []map[string]json.RawMessage
	mustUnmarshal(t, doc["scenarios"], &scenarios)
	sc := scenarios[2] // the failed one has checks, timeline and evidence
	assertKeys(t, "scenario", sc, "name", "file", "tags", "status", "duration_ms", "error",
		"skip_reason", "reproduce", "checks", "timeline", "evidence")
	var checks, steps []map[string]json.RawMessage
	mustUnmarshal(t, sc["checks"], &checks)
	mustUnmarshal(t, sc["timeline"], &steps)
	assertKeys(t, "check", checks[0], "name", "status", "expected", "observed", "message", "warning", "evidence")
	assertKeys(t, "step", steps[0], "label", "wait_ms")
	if string(steps[1]["wait_ms"]) != "1000" {
		t.Errorf("wait_ms = %s, want 1000", steps[1]["wait_ms"])
	}
	if string(doc["started_at"]) != `"2026-11-23T15:04:05.123Z"` {
		t.Errorf("started_at = %s", doc["started_at"])
	}
}

func TestJSONEmptySlicesAreArrays(t *testing.T) {
	var buf bytes.Buffer
	r := &report.Run{Scenarios: []report.Scenario{{Name: "bare", Checks: []report.Check{{Name: "c"}}}}}
	if err := report.WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "null") {
		t.Errorf("output contains null:\n%s", buf.String())
	}
	for _, key := range []string{`"tags": []`, `"timeline": []`, `"evidence": []`} {
		if !strings.Contains(buf.String(), key) {
			t.Errorf("missing %s in\n%s", key, buf.String())
		}
	}
	buf.Reset()
	if err := report.WriteJSON(&buf, &report.Run{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"scenarios": []`) {
		t.Errorf("empty run: want \"scenarios\": [] in\n%s", buf.String())
	}
}

func TestReadJSONErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
		schema         bool
	}{
		{"not JSON", "hello", "read JSON", false},
		{"empty", "", "read JSON", false},
		{"not a report", `{}`, "schema_version 0", true},
		{"future version", `{"schema_version": 2}`, "schema_version 2", true},
		{"bad time", `{"schema_version": 1, "started_at": "yesterday"}`, `started_at "yesterday"`, false},
		{"bad status", `{"schema_version": 1, "scenarios": [{"name": "x", "status": "green"}]}`, `scenarios[0] "x": status "green"`, false},
		{"bad check status", `{"schema_version": 1, "scenarios": [{"name": "x", "checks": [{"name": "c", "status": "ok"}]}]}`, `checks[0] "c": status "ok"`, false},
		{"wrong type", `{"schema_version": 1, "seed": "42"}`, "read JSON", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := report.ReadJSON(strings.NewReader(tt.in))
			if err == nil {
				t.Fatal("ReadJSON succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q, want one line containing %q", err, tt.want)
			}
			if got := errors.Is(err, report.ErrSchema); got != tt.schema {
				t.Errorf("errors.Is(err, ErrSchema) = %v, want %v", got, tt.schema)
			}
		})
	}
}

func TestReadJSONIgnoresUnknownKeys(t *testing.T) {
	r, err := report.ReadJSON(strings.NewReader(`{"schema_version": 1, "kind": "webhook", "future": {"x": 1},
		"scenarios": [{"name": "replay", "status": "passed", "new_key": true}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != "webhook" || len(r.Scenarios) != 1 || r.Scenarios[0].Name != "replay" || !r.Passed() {
		t.Errorf("loaded %+v", r)
	}
}

func assertKeys(t *testing.T, what string, m map[string]json.RawMessage, want ...string) {
	t.Helper()
	var got []string
	for k := range m {
		got = append(got, k)
	}
	slices.Sort(got)
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Errorf("%s keys = %v, want %v", what, got, want)
	}
}

// assertKeyOrder checks that the top-level keys appear in the given order.
func assertKeyOrder(t *testing.T, doc string, keys ...string) {
	t.Helper()
	last := -1
	for _, k := range keys {
		i := strings.Index(doc, "\n  \""+k+"\":")
		if i <= last {
			t.Errorf("key %q out of order (at %d, previous at %d)", k, i, last)
		}
		last = i
	}
}

func mustUnmarshal(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatal(err)
	}
}
