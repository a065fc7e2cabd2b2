package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"
)

// junitSuites is the root element. Jenkins' junit-10.xsd allows no
// skipped count here (only on testsuite), so none is written.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string       `xml:"name,attr"`
	Classname string       `xml:"classname,attr"`
	Time      string       `xml:"time,attr"`
	Failure   *junitResult `xml:"failure"`
	Error     *junitResult `xml:"error"`
	Skipped   *junitResult `xml:"skipped"`
	SystemOut string       `xml:"system-out,omitempty"`
}

type junitResult struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",cdata"`
}

// WriteJUnit writes r as JUnit XML, the dialect GitHub, GitLab and Jenkins
// read: one <testsuite> named "faultline <kind>" holding one <testcase> per
// scenario. A failed scenario carries a <failure type="check"> whose text
// lists the failing checks (expected, observed, evidence), the timeline and
// the reproduce command; a scenario that could not run carries an <error>;
// a skipped one a <skipped>, and so does an interrupted one, its message
// starting "interrupted" (JUnit has no such outcome, and an interrupted
// scenario was not judged: it neither failed nor errored); the suite then
// has the property interrupted=true. Warnings of passed checks go to
// <system-out>.
// Characters XML 1.0 forbids are replaced with U+FFFD.
func WriteJUnit(w io.Writer, r *Run) error {
	if r == nil {
		return errNilRun
	}
	suite := junitSuite{
		Name:      xmlSafe("faultline " + r.Kind),
		Time:      seconds(r.Duration),
		Cases:     make([]junitCase, 0, len(r.Scenarios)),
		Timestamp: junitTimestamp(r),
		Properties: []junitProperty{
			{Name: "seed", Value: strconv.FormatInt(r.Seed, 10)},
			{Name: "tool_version", Value: xmlSafe(r.ToolVersion)},
			{Name: "command", Value: xmlSafe(r.Command)},
		},
	}
	if m := r.RunMaturity(); m != "" {
		suite.Properties = append(suite.Properties, junitProperty{Name: "maturity", Value: m})
	}
	if r.Interrupted {
		suite.Properties = append(suite.Properties, junitProperty{Name: "interrupted", Value: "true"})
	}
	for i := range r.Scenarios {
		tc := junitTestcase(r, &r.Scenarios[i])
		suite.Tests++
		switch {
		case tc.Error != nil:
			suite.Errors++
		case tc.Failure != nil:
			suite.Failures++
		case tc.Skipped != nil:
			suite.Skipped++
		}
		suite.Cases = append(suite.Cases, tc)
	}
	doc := junitSuites{
		Name: suite.Name, Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors,
		Time: suite.Time, Suites: []junitSuite{suite},
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("report: write JUnit: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("report: write JUnit: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("report: write JUnit: %w", err)
	}
	return nil
}

func junitTimestamp(r *Run) string {
	if r.StartedAt.IsZero() {
		return ""
	}
	return r.StartedAt.UTC().Format("2006-01-02T15:04:05")
}

func junitTestcase(r *Run, sc *Scenario) junitCase {
	tc := junitCase{
		Name:      xmlSafe(sc.Name),
		Classname: xmlSafe(classname(r.Kind, sc)),
		Time:      seconds(sc.Duration),
	}
	switch outcome(sc) {
	case Failed:
		res := &junitResult{Message: xmlSafe(failureMessage(sc)), Text: xmlSafe(failureText(r, sc))}
		if sc.Error != "" {
			tc.Error = res
		} else {
			res.Type = "check"
			tc.Failure = res
		}
	case Skipped:
		reason := sc.SkipReason
		if reason == "" {
			reason = "skipped"
		}
		tc.Skipped = &junitResult{Message: xmlSafe(reason)}
	case Interrupted:
		msg := "interrupted"
		if sc.SkipReason != "" {
			msg += ": " + sc.SkipReason
		}
		tc.Skipped = &junitResult{Message: xmlSafe(msg)}
	}
	var warns []string
	for _, c := range sc.Checks {
		if c.warned() {
			warns = append(warns, "warning: "+checkSummary(c))
		}
	}
	tc.SystemOut = xmlSafe(strings.Join(warns, "\n"))
	return tc
}

// classname groups test cases: the scenario file as a dotted path
// ("scenarios/retry.yaml" -> "scenarios.retry"), otherwise
// "faultline.<kind>" plus the first tag.
func classname(kind string, sc *Scenario) string {
	if sc.File != "" {
		f := path.Clean(strings.ReplaceAll(sc.File, `\`, "/"))
		f = strings.TrimSuffix(f, path.Ext(f))
		if name := strings.Trim(strings.ReplaceAll(f, "/", "."), "."); name != "" {
			return name
		}
	}
	name := "faultline"
	if kind != "" {
		name += "." + kind
	}
	if len(sc.Tags) > 0 {
		name += "." + sc.Tags[0]
	}
	return name
}

// failureMessage is the one-line message attribute of a failure or error.
func failureMessage(sc *Scenario) string {
	if sc.Error != "" {
		return oneLine(sc.Error)
	}
	checks := failedChecks(sc)
	switch len(checks) {
	case 0:
		return "scenario failed"
	case 1:
		c := checks[0]
		var parts []string
		if c.Expected != "" {
			parts = append(parts, "expected "+oneLine(c.Expected))
		}
		if c.Observed != "" {
			parts = append(parts, "observed "+oneLine(c.Observed))
		}
		if len(parts) == 0 && c.Message != "" {
			parts = append(parts, oneLine(c.Message))
		}
		if len(parts) == 0 {
			return "check " + oneLine(c.Name) + " failed"
		}
		return "check " + oneLine(c.Name) + " failed: " + strings.Join(parts, ", ")
	}
	names := make([]string, len(checks))
	for i, c := range checks {
		names[i] = oneLine(c.Name)
	}
	return fmt.Sprintf("%d checks failed: %s", len(checks), strings.Join(names, ", "))
}

// failureText is the body of a failure or error: everything a reader needs
// to judge it without the terminal report.
func failureText(r *Run, sc *Scenario) string {
	var b strings.Builder
	if sc.Error != "" {
		fmt.Fprintf(&b, "error: %s\n", sc.Error)
	}
	for _, c := range failedChecks(sc) {
		fmt.Fprintf(&b, "check %s\n", c.Name)
		writeField(&b, "  expected: ", c.Expected)
		writeField(&b, "  observed: ", c.Observed)
		writeField(&b, "  message: ", c.Message)
		writeList(&b, "  evidence:", "    ", c.Evidence)
	}
	if len(sc.Timeline) > 0 {
		fmt.Fprintf(&b, "timeline: %s\n", timeline(sc.Timeline, true))
	}
	writeList(&b, "evidence:", "  ", sc.Evidence)
	cmd := sc.Reproduce
	if cmd == "" {
		cmd = r.Command
	}
	writeField(&b, "reproduce: ", cmd)
	return b.String()
}

// writeField writes label+v, continuation lines aligned under v; nothing
// when v is empty.
func writeField(b *strings.Builder, label, v string) {
	if v != "" {
		b.WriteString(label + hang(v, strings.Repeat(" ", len(label))) + "\n")
	}
}

// writeList writes head and then each line under it at indent.
func writeList(b *strings.Builder, head, indent string, lines []string) {
	if len(lines) == 0 {
		return
	}
	b.WriteString(head + "\n")
	for _, l := range lines {
		b.WriteString(indent + hang(l, indent) + "\n")
	}
}

// hang indents every line of s but the first by indent.
func hang(s, indent string) string {
	s = strings.TrimRight(crlf.Replace(s), "\n")
	return strings.ReplaceAll(s, "\n", "\n"+indent)
}

// xmlSafe makes s valid XML 1.0 character data: invalid UTF-8 and code
// points outside the Char production (most C0 controls, surrogates,
// U+FFFE, U+FFFF) become U+FFFD.
func xmlSafe(s string) string {
	if utf8.ValidString(s) && strings.IndexFunc(s, notXMLChar) < 0 {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if notXMLChar(r) {
			return '\uFFFD'
		}
		return r
	}, s)
}

func notXMLChar(r rune) bool {
	switch {
	case r == '\t', r == '\n', r == '\r':
		return false
	case r < 0x20:
		return true
	case r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
		return true
	}
	return r > 0x10FFFF
}
