package report_test

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dev/faultline/report"
)

// Parsed JUnit, as a CI system would read it.
type xSuites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Name     string   `xml:"name,attr"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Time     string   `xml:"time,attr"`
	Suites   []struct {
		Name       string `xml:"name,attr"`
		Tests      int    `xml:"tests,attr"`
		Failures   int    `xml:"failures,attr"`
		Errors     int    `xml:"errors,attr"`
		Skipped    int    `xml:"skipped,attr"`
		Timestamp  string `xml:"timestamp,attr"`
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []xCase `xml:"testcase"`
	} `xml:"testsuite"`
}

type xCase struct {
	Name      string   `xml:"name,attr"`
	Classname string   `xml:"classname,attr"`
	Time      string   `xml:"time,attr"`
	Failure   *xResult `xml:"failure"`
	Error     *xResult `xml:"error"`
	Skipped   *xResult `xml:"skipped"`
	SystemOut string   `xml:"system-out"`
}

type xResult struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func parseJUnit(t *testing.T, r *report.Run) xSuites {
	t.Helper()
	var buf bytes.Buffer
	if err := report.WriteJUnit(&buf, r); err != nil {
		t.Fatal(err)
	}
	var doc xSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("output is not valid XML: %v\n%s", err, buf.Bytes())
	}
	return doc
}

func TestJUnitCounts(t *testing.T) {
	doc := parseJUnit(t, fixtureRun())
	if doc.Name != "faultline run" || doc.Tests != 5 || doc.Failures != 1 || doc.Errors != 1 || doc.Skipped != 0 || doc.Time != "4.321" {
		// junit-10.xsd has no skipped count on testsuites; testsuite carries it.
		t.Errorf("testsuites = %+v", doc)
	}
	if len(doc.Suites) != 1 {
		t.Fatalf("%d testsuites, want 1", len(doc.Suites))
	}
	s := doc.Suites[0]
	if s.Name != "faultline run" || s.Tests != 5 || s.Failures != 1 || s.Errors != 1 || s.Skipped != 1 {
		t.Errorf("testsuite = %+v", s)
	}
	if s.Timestamp != "2026-11-23T15:04:05" {
		t.Errorf("timestamp = %q", s.Timestamp)
	}
	props := map[string]string{}
	for _, p := range s.Properties {
		props[p.Name] = p.Value
	}
	if props["seed"] != "42" || props["maturity"] != "light" || props["command"] != "faultline run scenarios/ --seed 42" {
		t.Errorf("properties = %v", props)
	}
	if len(s.Cases) != 5 {
		t.Fatalf("%d testcases, want 5", len(s.Cases))
	}

	passed, warned, failed, skipped, errored := s.Cases[0], s.Cases[1], s.Cases[2], s.Cases[3], s.Cases[4]
	if passed.Failure != nil || passed.Error != nil || passed.Skipped != nil || passed.Time != "1.234" || passed.Classname != "scenarios.retry" {
		t.Errorf("passed case = %+v", passed)
	}
	if !strings.Contains(warned.SystemOut, `warning: schema: new field "tax_ids"`) {
		t.Errorf("warning not in system-out: %q", warned.SystemOut)
	}
	if failed.Failure == nil || failed.Failure.Type != "check" || failed.Error != nil {
		t.Fatalf("failed case = %+v", failed)
	}
	for _, want := range []string{"check respects Retry-After", "expected: wait >= 2s", "observed: waited 1.0s",
		"#3 request 1.0s later", "503 -1.0s-> 429", `body="<html>rate & limit | slow</html>"`, "#10 GET", "--only 'honours Retry-After'"} {
		if !strings.Contains(failed.Failure.Text, want) {
			t.Errorf("failure text lacks %q:\n%s", want, failed.Failure.Text)
		}
	}
	if !strings.Contains(failed.Failure.Message, "expected wait >= 2s after a 429, observed waited 1.0s") {
		t.Errorf("failure message = %q", failed.Failure.Message)
	}
	if skipped.Skipped == nil || skipped.Skipped.Message != "STRIPE_WEBHOOK_SECRET not set" || skipped.Classname != "faultline.run.complete" {
		t.Errorf("skipped case = %+v", skipped)
	}
	if errored.Error == nil || errored.Failure != nil || errored.Error.Message != `scenarios/broken.yaml:3: unknown fault "teapot"` {
		t.Errorf("errored case = %+v", errored)
	}
	if !strings.Contains(errored.Error.Text, "reproduce: faultline run scenarios/ --seed 42") {
		t.Errorf("errored case does not fall back to the run command:\n%s", errored.Error.Text)
	}
}

func TestJUnitEscaping(t *testing.T) {
	nasty := "a < b && c > \"d\" 'e' ]]> \x00\x01\x1b[31m\x7f \xff end"
	r := &report.Run{Kind: "webhook", Duration: 1500 * time.Microsecond, Scenarios: []report.Scenario{{
		Name:     "attack " + nasty,
		Tags:     []string{"replay"},
		Status:   report.Failed,
		Checks:   []report.Check{{Name: "rejects", Status: report.Failed, Expected: "401", Observed: nasty, Evidence: []string{nasty}}},
		Evidence: []string{"]]>" + nasty},
	}, {
		Name: "skip", Status: report.Skipped, SkipReason: nasty,
	}}}
	doc := parseJUnit(t, r)
	c := doc.Suites[0].Cases[0]
	const clean = "a < b && c > \"d\" 'e' ]]> \uFFFD\uFFFD\uFFFD[31m\x7f \uFFFD end"
	if c.Name != "attack "+clean {
		t.Errorf("name = %q, want %q", c.Name, "attack "+clean)
	}
	if c.Classname != "faultline.webhook.replay" {
		t.Errorf("classname = %q", c.Classname)
	}
	if c.Time != "0.000" || doc.Time != "0.002" {
		t.Errorf("times = %q, %q", c.Time, doc.Time)
	}
	if c.Failure == nil || !strings.Contains(c.Failure.Text, "observed: "+clean) || !strings.Contains(c.Failure.Text, "  ]]>"+clean) {
		t.Errorf("failure = %+v", c.Failure)
	}
	if !strings.Contains(c.Failure.Message, clean) {
		t.Errorf("message = %q", c.Failure.Message)
	}
	if s := doc.Suites[0].Cases[1].Skipped; s == nil || s.Message != clean {
		t.Errorf("skipped = %+v", s)
	}
}

func TestJUnitEmptyRun(t *testing.T) {
	doc := parseJUnit(t, &report.Run{Kind: "drift"})
	if doc.Tests != 0 || len(doc.Suites) != 1 || doc.Suites[0].Name != "faultline drift" || doc.Suites[0].Timestamp != "" {
		t.Errorf("empty run = %+v", doc)
	}
}
