package scenarios

import (
	"math"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/faultline-dev/faultline/internal/yamlx"
	"github.com/faultline-dev/faultline/report"
)

// Check judges one aspect of the client's behaviour from an Observation.
// Every check can fail: each has a test in which a bad client fails it.
type Check interface {
	Name() string
	Evaluate(o *Observation) report.Check
}

// checkDecoder builds a check from its YAML value.
type checkDecoder func(d *checkDecode) (Check, error)

var checkRegistry = map[string]checkDecoder{}

func registerCheck(name string, dec checkDecoder) { checkRegistry[name] = dec }

// CheckNames lists the known checks, sorted.
func CheckNames() []string {
	out := make([]string, 0, len(checkRegistry))
	for k := range checkRegistry {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// checkDecode is a check's YAML value, as its decoder receives it.
type checkDecode struct{ yamlx.Value }

// into decodes a mapping value strictly into v.
func (d *checkDecode) into(v any) error {
	if yamlx.Unalias(d.Node).Kind != yaml.MappingNode {
		return d.Errorf("expected a mapping of parameters")
	}
	return d.Into(v)
}

// oneNumber decodes a check's one parameter, written bare (goodput: 0.9)
// into bare (a *int or *float64), or as a mapping (goodput: {min: 0.9}),
// decoded strictly into params; hint says what to write when a bare value
// is not a number: the whole value, finite, and whole for an int (yaml.v3
// alone reads 2.5 as 2 and .inf as infinite; fmt.Sscan read 0.9abc as 0.9).
func (d *checkDecode) oneNumber(bare, params any, hint string) error {
	s, ok := d.Scalar()
	if !ok {
		return d.into(params)
	}
	if yamlx.WholeNumbers(d.File.Name, d.Node, bare, d.Path) != nil || d.Node.Decode(bare) != nil || !finite(bare) {
		return d.Errorf("%q: %s", s, hint)
	}
	return nil
}

func finite(v any) bool {
	f, ok := v.(*float64)
	return !ok || !math.IsNaN(*f) && !math.IsInf(*f, 0)
}

// noParams accepts a check written without parameters (`- name`, `- name:`
// or `name: true`) and rejects any other value, which would otherwise be
// silently ignored.
func (d *checkDecode) noParams() error {
	if d.Node.ShortTag() == "!!null" || isTrue(d.Node) {
		return nil
	}
	name := d.Path[strings.LastIndex(d.Path, ".")+1:]
	return d.Errorf("takes no parameters: write it as - %s", name)
}

func isTrue(n *yaml.Node) bool {
	var on bool
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!bool" && n.Decode(&on) == nil && on
}

func decodeCheck(f *yamlx.File, n *yaml.Node, path string) (Check, error) {
	n = yamlx.Unalias(n) // - *shared: a check written once, used twice
	if n.Kind == yaml.ScalarNode {
		n = &yaml.Node{Kind: yaml.MappingNode, Line: n.Line, Column: n.Column, Content: []*yaml.Node{n, {Kind: yaml.ScalarNode, Tag: "!!null", Line: n.Line, Column: n.Column}}}
	}
	if n.Kind != yaml.MappingNode || len(n.Content) != 2 {
		return nil, yamlx.Errorf(f.Name, n, "%s: write one check per list item, e.g. - attempts: {max: 3}", path)
	}
	key, val := n.Content[0], n.Content[1]
	dec, ok := checkRegistry[key.Value]
	if !ok {
		return nil, yamlx.Errorf(f.Name, key, "%s: unknown check %q%s; known checks: %s", path, key.Value, yamlx.DidYouMean(key.Value, CheckNames()), strings.Join(CheckNames(), ", "))
	}
	return dec(&checkDecode{yamlx.Value{File: f, Node: val, Path: path + "." + key.Value}})
}

// verdict builds a check result.
func verdict(name string, ok bool, expected, observed, msg string, evidence []string) report.Check {
	st := report.Passed
	if !ok {
		st = report.Failed
	}
	return report.Check{Name: name, Status: st, Expected: expected, Observed: observed, Message: msg, Evidence: evidence}
}

// skipped is a check that cannot be judged for this kind of client.
func skipped(name, why string) report.Check {
	return report.Check{Name: name, Status: report.Skipped, Message: why}
}

// notJudged is a check whose condition never arose: the upstream never
// produced what it judges the client's answer to (a Retry-After, a status,
// a failure, an expired token), for instance because a well-behaved client
// avoided it by following the quota headers or by pacing its calls. That
// is neither a pass nor a failure, so it is skipped with the reason. A
// client that made no request at all is not in this case: each check
// fails it, since it did not make the calls the scenario asked for.
func notJudged(name, expected, observed, why string) report.Check {
	return report.Check{Name: name, Status: report.Skipped, Expected: expected, Observed: observed, Message: why}
}
