package scenarios

import (
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/internal/plannode"
	"github.com/faultline-dev/faultline/internal/yamlx"
)

// Upstream is what a plan file, or a scenario file's upstream: section,
// describes: the fault plan, and the base handler that answers what its
// routes do not: a cassette to replay or an OpenAPI spec to serve. Package
// fault knows plans only; this is where a plan meets the files around it.
type Upstream struct {
	File     string // the file it was read from; Cassette and Spec are relative to it
	Plan     *fault.Plan
	Cassette string // a recording to replay, as written
	Spec     string // an OpenAPI document to serve, as written
	// Scenario is true when File is a scenario file, whose top-level seed
	// the plan takes when it has none of its own.
	Scenario bool
}

// receiverTarget as a webhook's target means "the receiver the run
// provides" (client.receiver). Until the run replaces it with that
// receiver's URL, the plan holds receiverPlaceholder, a name that never
// resolves (RFC 2606).
const (
	receiverTarget      = "receiver"
	receiverPlaceholder = "http://receiver.invalid/"
)

// LoadUpstreamFile reads a plan file, or a scenario file's upstream.
func LoadUpstreamFile(path string) (*Upstream, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return LoadUpstream(path, data)
}

// LoadUpstream parses a plan file, or a scenario file's upstream section
// with the scenario's seed (the rest of the scenario is not validated);
// name is used in errors.
func LoadUpstream(name string, data []byte) (*Upstream, error) {
	f, err := yamlx.Parse(name, data)
	if err != nil {
		return nil, err
	}
	up := yamlx.MapValue(f.Root, "upstream")
	if up == nil {
		return decodeUpstream(f, f.Root, "")
	}
	u, err := decodeUpstream(f, up, "upstream")
	if err != nil {
		return nil, err
	}
	u.Scenario = true
	if seed := yamlx.MapValue(f.Root, "seed"); seed != nil && u.Plan.Seed == 0 {
		if err := f.Decode(seed, &u.Plan.Seed, "seed"); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// CassettePath is Cassette relative to File.
func (u *Upstream) CassettePath() string { return besideFile(u.File, u.Cassette) }

// SpecPath is Spec relative to File.
func (u *Upstream) SpecPath() string { return besideFile(u.File, u.Spec) }

func besideFile(file, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(file), p)
}

// baseFile is what an upstream section holds besides the plan.
type baseFile struct {
	Cassette string `yaml:"cassette"`
	Spec     string `yaml:"spec"`
}

// decodeUpstream decodes the mapping n (at key path path): its cassette
// and spec here, the rest as the plan.
func decodeUpstream(f *yamlx.File, n *yaml.Node, path string) (*Upstream, error) {
	n = yamlx.Unalias(n)
	if n.Kind != yaml.MappingNode {
		return nil, yamlx.Errorf(f.Name, n, "%s: expected a mapping of routes and faults", orTop(path))
	}
	planNode, baseNode := splitBase(n)
	var bf baseFile
	if err := f.Decode(baseNode, &bf, path); err != nil {
		return nil, err
	}
	decoded, err := plannode.Decode(f.Name, withReceiverPlaceholder(planNode), path)
	if err != nil {
		return nil, err
	}
	plan := decoded.(*fault.Plan)
	if len(plan.Routes) == 0 && bf.Cassette == "" && bf.Spec == "" {
		return nil, yamlx.Errorf(f.Name, n, "%sroutes: a plan needs at least one route", keyPrefix(path))
	}
	return &Upstream{File: f.Name, Plan: plan, Cassette: bf.Cassette, Spec: bf.Spec}, nil
}

// splitBase splits an upstream mapping into the plan's keys and the base
// handler's (cassette, spec), sharing their nodes so errors keep their
// positions.
func splitBase(n *yaml.Node) (plan, base *yaml.Node) {
	plan = &yaml.Node{Kind: yaml.MappingNode, Tag: n.Tag, Line: n.Line, Column: n.Column}
	base = &yaml.Node{Kind: yaml.MappingNode, Tag: n.Tag, Line: n.Line, Column: n.Column}
	for i := 0; i+1 < len(n.Content); i += 2 {
		to := plan
		if k := n.Content[i].Value; k == "cassette" || k == "spec" {
			to = base
		}
		to.Content = append(to.Content, n.Content[i], n.Content[i+1])
	}
	return plan, base
}

// withReceiverPlaceholder returns the plan mapping n with every webhook
// target "receiver" written as receiverPlaceholder, copying only what it
// changes.
func withReceiverPlaceholder(n *yaml.Node) *yaml.Node {
	hooks := yamlx.MapValue(n, "webhooks")
	if hooks == nil || hooks.Kind != yaml.SequenceNode {
		return n
	}
	out := *n
	out.Content = append([]*yaml.Node(nil), n.Content...)
	for i := 0; i+1 < len(out.Content); i += 2 {
		if out.Content[i].Value != "webhooks" {
			continue
		}
		list := *hooks
		list.Content = make([]*yaml.Node, len(hooks.Content))
		for j, h := range hooks.Content {
			list.Content[j] = placeholderTarget(yamlx.Unalias(h))
		}
		out.Content[i+1] = &list
	}
	return &out
}

func placeholderTarget(h *yaml.Node) *yaml.Node {
	t := yamlx.MapValue(h, "target")
	if t == nil || t.Kind != yaml.ScalarNode || t.Value != receiverTarget {
		return h
	}
	cp := *h
	cp.Content = append([]*yaml.Node(nil), h.Content...)
	for i := 0; i+1 < len(cp.Content); i += 2 {
		if cp.Content[i].Value == "target" {
			v := *t
			v.Value = receiverPlaceholder
			cp.Content[i+1] = &v
		}
	}
	return &cp
}

func keyPrefix(path string) string {
	if path == "" {
		return ""
	}
	return path + "."
}

func orTop(path string) string {
	if path == "" {
		return "plan"
	}
	return path
}
