package report_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dev/faultline/report"
)

// FuzzReadJSON: arbitrary input never panics, and whatever loads survives a
// write and a second read unchanged.
func FuzzReadJSON(f *testing.F) {
	var golden bytes.Buffer
	if err := report.WriteJSON(&golden, fixtureRun()); err != nil {
		f.Fatal(err)
	}
	f.Add(golden.Bytes())
	f.Add([]byte(`{"schema_version":1}`))
	f.Add([]byte(`{"schema_version":1,"scenarios":[{"status":"bogus"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := report.ReadJSON(bytes.NewReader(data))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := report.WriteJSON(&buf, r); err != nil {
			t.Fatal(err)
		}
		again, err := report.ReadJSON(&buf)
		if err != nil {
			t.Fatalf("re-read: %v\n%s", err, buf.Bytes())
		}
		if !again.StartedAt.Equal(r.StartedAt) {
			t.Fatalf("started_at changed: %v -> %v", r.StartedAt, again.StartedAt)
		}
		again.StartedAt = r.StartedAt
		// Statuses are written as derived; compare what renderers show.
		if again.Summary() != r.Summary() || len(again.Scenarios) != len(r.Scenarios) {
			t.Fatalf("summary changed: %+v -> %+v", r.Summary(), again.Summary())
		}
		if !reflect.DeepEqual(scenarioNames(again), scenarioNames(r)) {
			t.Fatal("scenario names changed")
		}
	})
}

// FuzzJUnit: any text in the model yields XML that parses back.
func FuzzJUnit(f *testing.F) {
	f.Add("plain", "reason", "evidence")
	f.Add("a < b & \"c\"", "\x00\x1b]]>", "\xff\xfe\uFFFE")
	f.Fuzz(func(t *testing.T, name, text, evidence string) {
		r := &report.Run{Kind: text, Command: text, Duration: time.Second, Scenarios: []report.Scenario{
			{Name: name, File: text, Status: report.Failed, Evidence: []string{evidence},
				Checks: []report.Check{{Name: name, Status: report.Failed, Expected: text, Observed: evidence, Message: text}}},
			{Name: name, Error: text},
			{Name: name, Status: report.Skipped, SkipReason: text, Tags: []string{evidence}},
		}}
		var buf bytes.Buffer
		if err := report.WriteJUnit(&buf, r); err != nil {
			t.Fatal(err)
		}
		doc, err := readXML(buf.Bytes())
		if err != nil {
			t.Fatalf("invalid XML: %v\n%s", err, buf.Bytes())
		}
		if doc.num(t, "tests") != 3 || doc.num(t, "errors") != 1 || doc.num(t, "failures") != 1 || doc.child("testsuite").num(t, "skipped") != 1 {
			t.Fatalf("counts %v", doc)
		}
		var md bytes.Buffer
		if err := report.WriteMarkdown(&md, r); err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(md.String(), "\n") {
			if strings.HasPrefix(l, "| "+"❌") && strings.Count(strings.ReplaceAll(l, `\|`, ""), "|") != 7 {
				t.Fatalf("markdown row broke its columns: %q", l)
			}
		}
	})
}

func scenarioNames(r *report.Run) []string {
	var out []string
	for _, sc := range r.Scenarios {
		out = append(out, sc.Name)
	}
	return out
}
