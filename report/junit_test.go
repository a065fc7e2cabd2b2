package report_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dev/faultline/report"
)

// element is an XML element as a generic reader sees it (name,
// attributes, text, child elements), decoded token by token: the tests
// read the JUnit as a CI system would, knowing nothing of the writer's
// types.
type element struct {
	Name string
	Attr map[string]string
	Text string
	Kids []*element
}

// child is the first child element named name, or nil.
func (e *element) child(name string) *element {
	if kids := e.children(name); len(kids) > 0 {
		return kids[0]
	}
	return nil
}

// children are the child elements named name, in document order.
func (e *element) children(name string) []*element {
	if e == nil {
		return nil
	}
	var out []*element
	for _, k := range e.Kids {
		if k.Name == name {
			out = append(out, k)
		}
	}
	return out
}

// text is the element's character data ("" for a missing element).
func (e *element) text() string {
	if e == nil {
		return ""
	}
	return e.Text
}

// num is an integer attribute (0 when absent, as a CI system reads it).
func (e *element) num(t *testing.T, attr string) int {
	t.Helper()
	if e == nil {
		t.Fatalf("no element to read %s from", attr)
	}
	v, ok := e.Attr[attr]
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		t.Fatalf("<%s %s=%q>: not an integer", e.Name, attr, v)
	}
	return n
}

func (e *element) String() string {
	if e == nil {
		return "<nil>"
	}
	return fmt.Sprintf("<%s %v> %q (%d children)", e.Name, e.Attr, e.Text, len(e.Kids))
}

// readXML decodes a document into its root element.
func readXML(data []byte) (*element, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	var stack []*element
	var root *element
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			e := &element{Name: tok.Name.Local, Attr: map[string]string{}}
			for _, a := range tok.Attr {
				e.Attr[a.Name.Local] = a.Value
			}
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				top.Kids = append(top.Kids, e)
			} else {
				root = e
			}
			stack = append(stack, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += string(tok)
			}
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	return root, nil
}

// parseJUnit writes r as JUnit and reads it back; the root must be
// <testsuites>.
func parseJUnit(t *testing.T, r *report.Run) *element {
	t.Helper()
	var buf bytes.Buffer
	if err := report.WriteJUnit(&buf, r); err != nil {
		t.Fatal(err)
	}
	doc, err := readXML(buf.Bytes())
	if err != nil {
		t.Fatalf("output is not valid XML: %v\n%s", err, buf.Bytes())
	}
	if doc.Name != "testsuites" {
		t.Fatalf("root element <%s>, want <testsuites>", doc.Name)
	}
	return doc
}

func TestJUnitCounts(t *testing.T) {
	doc := parseJUnit(t, fixtureRun())
	if doc.Attr["name"] != "faultline run" || doc.num(t, "tests") != 5 || doc.num(t, "failures") != 1 || doc.num(t, "errors") != 1 || doc.num(t, "skipped") != 0 || doc.Attr["time"] != "4.321" {
		// junit-10.xsd has no skipped count on testsuites; testsuite carries it.
		t.Errorf("testsuites = %v", doc)
	}
	suites := doc.children("testsuite")
	if len(suites) != 1 {
		t.Fatalf("%d testsuites, want 1", len(suites))
	}
	s := suites[0]
	if s.Attr["name"] != "faultline run" || s.num(t, "tests") != 5 || s.num(t, "failures") != 1 || s.num(t, "errors") != 1 || s.num(t, "skipped") != 1 {
		t.Errorf("testsuite = %v", s)
	}
	if s.Attr["timestamp"] != "2026-11-23T15:04:05" {
		t.Errorf("timestamp = %q", s.Attr["timestamp"])
	}
	props := map[string]string{}
	for _, p := range s.child("properties").children("property") {
		props[p.Attr["name"]] = p.Attr["value"]
	}
	if props["seed"] != "42" || props["maturity"] != "light" || props["command"] != "faultline run scenarios/ --seed 42" {
		t.Errorf("properties = %v", props)
	}
	cases := s.children("testcase")
	if len(cases) != 5 {
		t.Fatalf("%d testcases, want 5", len(cases))
	}

	passed, warned, failed, skipped, errored := cases[0], cases[1], cases[2], cases[3], cases[4]
	if passed.child("failure") != nil || passed.child("error") != nil || passed.child("skipped") != nil || passed.Attr["time"] != "1.234" || passed.Attr["classname"] != "scenarios.retry" {
		t.Errorf("passed case = %v", passed)
	}
	if out := warned.child("system-out").text(); !strings.Contains(out, `warning: schema: new field "tax_ids"`) {
		t.Errorf("warning not in system-out: %q", out)
	}
	failure := failed.child("failure")
	if failure == nil || failure.Attr["type"] != "check" || failed.child("error") != nil {
		t.Fatalf("failed case = %v", failed)
	}
	for _, want := range []string{"check respects Retry-After", "expected: wait >= 2s", "observed: waited 1.0s",
		"#3 request 1.0s later", "503 -1.0s-> 429", `body="<html>rate & limit | slow</html>"`, "#10 GET", "--only 'honours Retry-After'"} {
		if !strings.Contains(failure.Text, want) {
			t.Errorf("failure text lacks %q:\n%s", want, failure.Text)
		}
	}
	if !strings.Contains(failure.Attr["message"], "expected wait >= 2s after a 429, observed waited 1.0s") {
		t.Errorf("failure message = %q", failure.Attr["message"])
	}
	if sk := skipped.child("skipped"); sk == nil || sk.Attr["message"] != "STRIPE_WEBHOOK_SECRET not set" || skipped.Attr["classname"] != "faultline.run.complete" {
		t.Errorf("skipped case = %v (%v)", skipped, sk)
	}
	erred := errored.child("error")
	if erred == nil || errored.child("failure") != nil || erred.Attr["message"] != `scenarios/broken.yaml:3: unknown fault "teapot"` {
		t.Fatalf("errored case = %v (%v)", errored, erred)
	}
	if !strings.Contains(erred.Text, "reproduce: faultline run scenarios/ --seed 42") {
		t.Errorf("errored case does not fall back to the run command:\n%s", erred.Text)
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
	cases := doc.child("testsuite").children("testcase")
	if len(cases) != 2 {
		t.Fatalf("%d testcases, want 2", len(cases))
	}
	c := cases[0]
	const clean = "a < b && c > \"d\" 'e' ]]> \uFFFD\uFFFD\uFFFD[31m\x7f \uFFFD end"
	if c.Attr["name"] != "attack "+clean {
		t.Errorf("name = %q, want %q", c.Attr["name"], "attack "+clean)
	}
	if c.Attr["classname"] != "faultline.webhook.replay" {
		t.Errorf("classname = %q", c.Attr["classname"])
	}
	if c.Attr["time"] != "0.000" || doc.Attr["time"] != "0.002" {
		t.Errorf("times = %q, %q", c.Attr["time"], doc.Attr["time"])
	}
	failure := c.child("failure")
	if failure == nil || !strings.Contains(failure.Text, "observed: "+clean) || !strings.Contains(failure.Text, "  ]]>"+clean) {
		t.Fatalf("failure = %v", failure)
	}
	if !strings.Contains(failure.Attr["message"], clean) {
		t.Errorf("message = %q", failure.Attr["message"])
	}
	if s := cases[1].child("skipped"); s == nil || s.Attr["message"] != clean {
		t.Errorf("skipped = %v", s)
	}
}

func TestJUnitEmptyRun(t *testing.T) {
	doc := parseJUnit(t, &report.Run{Kind: "drift"})
	suites := doc.children("testsuite")
	if doc.num(t, "tests") != 0 || len(suites) != 1 || suites[0].Attr["name"] != "faultline drift" || suites[0].Attr["timestamp"] != "" {
		t.Errorf("empty run = %v", doc)
	}
}
