package fault

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/faultline-dev/faultline/internal/plannode"
	"github.com/faultline-dev/faultline/internal/yamlx"
)

// ErrInvalid is wrapped by every error about the content of a plan, and of
// the files built on one (a scenario file wraps it too): bad YAML, unknown
// keys, values out of range. The CLI maps it to exit code 2.
var ErrInvalid = yamlx.ErrInvalid

// LoadPlanFile reads a plan file.
func LoadPlanFile(path string) (*Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return LoadPlan(path, data)
}

// LoadPlan parses a plan from YAML; name is used in error messages. A plan
// file needs at least one route.
func LoadPlan(name string, data []byte) (*Plan, error) {
	f, err := yamlx.Parse(name, data)
	if err != nil {
		return nil, err
	}
	p, err := decodePlan(f, f.Root, "")
	if err == nil && len(p.Routes) == 0 {
		return nil, yamlx.Errorf(name, f.Root, "routes: a plan needs at least one route")
	}
	return p, err
}

func init() {
	plannode.Decode = func(file string, n *yaml.Node, path string) (any, error) {
		return decodePlan(&yamlx.File{Name: file, Root: n}, n, path)
	}
}

type planFile struct {
	Version  int         `yaml:"version"`
	Seed     int64       `yaml:"seed"`
	Routes   []yaml.Node `yaml:"routes"`
	Webhooks yaml.Node   `yaml:"webhooks"`
	TLS      yaml.Node   `yaml:"tls"`
}

type routeFile struct {
	Name    string            `yaml:"name"`
	Method  string            `yaml:"method"`
	Path    string            `yaml:"path"`
	Headers map[string]string `yaml:"headers"`
	Query   map[string]string `yaml:"query"`
	Respond *respondFile      `yaml:"respond"`
	Faults  []yaml.Node       `yaml:"faults"`
}

type respondFile struct {
	Status  int               `yaml:"status"`
	Headers map[string]string `yaml:"headers"`
	Body    *string           `yaml:"body"`
	JSON    yaml.Node         `yaml:"json"`
}

func decodePlan(f *yamlx.File, n *yaml.Node, path string) (*Plan, error) {
	var pf planFile
	if err := f.Decode(n, &pf, path); err != nil {
		return nil, err
	}
	if pf.Version != 0 && pf.Version != 1 {
		return nil, yamlx.Errorf(f.Name, yamlx.MapValue(n, "version"), "%sversion %d is not supported: use version: 1", prefix(path), pf.Version)
	}
	p := &Plan{Seed: pf.Seed}
	var err error
	for i := range pf.Routes {
		rt, err := decodeRoute(f, &pf.Routes[i], fmt.Sprintf("%sroutes[%d]", prefix(path), i))
		if err != nil {
			return nil, err
		}
		p.Routes = append(p.Routes, rt)
	}
	if p.TLS, err = decodeTLSPlan(f, &pf.TLS, prefix(path)+"tls"); err != nil {
		return nil, err
	}
	if p.Webhooks, err = decodeWebhooks(f, &pf.Webhooks, prefix(path)+"webhooks"); err != nil {
		return nil, err
	}
	return p, nil
}

func prefix(path string) string {
	if path == "" {
		return ""
	}
	return path + "."
}

func decodeRoute(f *yamlx.File, n *yaml.Node, path string) (Route, error) {
	var rf routeFile
	if err := f.Decode(n, &rf, path); err != nil {
		return Route{}, err
	}
	if rf.Path != "" && !strings.HasPrefix(rf.Path, "/") {
		return Route{}, yamlx.Errorf(f.Name, yamlx.MapValue(n, "path"), "%s.path: %q must start with /", path, rf.Path)
	}
	rt := Route{Name: rf.Name, Match: Match{Method: strings.ToUpper(rf.Method), Path: rf.Path, Headers: rf.Headers, Query: rf.Query}}
	if rt.Name == "" {
		rt.Name = strings.TrimSpace(rt.Match.Method + " " + orDefault(rf.Path, "/**"))
	}
	if rf.Respond != nil {
		resp, err := decodeRespond(f, yamlx.MapValue(n, "respond"), rf.Respond, path+".respond")
		if err != nil {
			return Route{}, err
		}
		rt.Respond = resp
	}
	for i := range rf.Faults {
		rule, err := decodeRule(f, &rf.Faults[i], fmt.Sprintf("%s.faults[%d]", path, i))
		if err != nil {
			return Route{}, err
		}
		rt.Rules = append(rt.Rules, rule)
	}
	return rt, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func decodeRespond(f *yamlx.File, n *yaml.Node, rf *respondFile, path string) (*Response, error) {
	if rf.Status != 0 && (rf.Status < 100 || rf.Status > 599) {
		return nil, yamlx.Errorf(f.Name, yamlx.MapValue(n, "status"), "%s.status: %d is not an HTTP status (100-599)", path, rf.Status)
	}
	resp := &Response{Status: rf.Status, Headers: canonical(rf.Headers)}
	switch {
	case rf.Body != nil && !rf.JSON.IsZero():
		return nil, yamlx.Errorf(f.Name, n, "%s: give body or json, not both", path)
	case rf.Body != nil:
		resp.Body = []byte(*rf.Body)
	case !rf.JSON.IsZero():
		body, err := nodeJSON(&rf.JSON)
		if err != nil {
			return nil, yamlx.Errorf(f.Name, &rf.JSON, "%s.json: %v", path, err)
		}
		resp.Body = body
		if resp.Headers["Content-Type"] == "" {
			resp.Headers = withHeader(resp.Headers, "Content-Type", "application/json")
		}
	}
	return resp, nil
}

// canonical rewrites header names as net/http spells them, so that
// content-type and Content-Type are one header.
func canonical(h map[string]string) map[string]string {
	if h == nil {
		return nil
	}
	out := make(map[string]string, len(h))
	for k, v := range h {
		out[http.CanonicalHeaderKey(k)] = v
	}
	return out
}

func withHeader(h map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for hk, hv := range h {
		out[hk] = hv
	}
	return out
}

// nodeJSON renders a YAML node as compact JSON.
func nodeJSON(n *yaml.Node) ([]byte, error) {
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, err
	}
	return json.Marshal(yamlx.JSONable(v))
}

type whenFile struct {
	Always      bool            `yaml:"always"`
	First       int             `yaml:"first"`
	Requests    string          `yaml:"requests"`
	Every       int             `yaml:"every"`
	Probability *float64        `yaml:"probability"`
	After       *yamlx.Duration `yaml:"after"`
	For         *yamlx.Duration `yaml:"for"`
	Per         string          `yaml:"per"`
}

func decodeRule(f *yamlx.File, n *yaml.Node, path string) (Rule, error) {
	n = yamlx.Unalias(n) // - *slow: a rule shared between routes
	if n.Kind != yaml.MappingNode {
		return Rule{}, yamlx.Errorf(f.Name, n, "%s: expected a mapping like {when: {first: 2}, status: {code: 503}}", path)
	}
	var rule Rule
	var faultKey, faultVal *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value == "when" {
			w, err := decodeWhen(f, v, path+".when")
			if err != nil {
				return Rule{}, err
			}
			rule.When = w
			continue
		}
		if faultKey != nil {
			return Rule{}, yamlx.Errorf(f.Name, k, "%s: one fault per rule, found %q and %q: split them into two rules", path, faultKey.Value, k.Value)
		}
		faultKey, faultVal = k, v
	}
	if faultKey == nil {
		return Rule{}, yamlx.Errorf(f.Name, n, "%s: no fault given; use one of: %s", path, kindList())
	}
	dec, ok := lookup(faultKey.Value)
	if !ok {
		return Rule{}, yamlx.Errorf(f.Name, faultKey, "%s: unknown fault %q; known faults: %s", path, faultKey.Value, kindList())
	}
	flt, err := dec(&params{File: f, Node: faultVal, Path: path + "." + faultKey.Value})
	if err != nil {
		return Rule{}, err
	}
	rule.Fault = flt
	return rule, nil
}

func decodeWhen(f *yamlx.File, n *yaml.Node, path string) (When, error) {
	var wf whenFile
	if err := f.Decode(n, &wf, path); err != nil {
		return When{}, err
	}
	bad := func(key, format string, args ...any) (When, error) {
		return When{}, yamlx.Errorf(f.Name, yamlx.MapValue(n, key), "%s.%s: %s", path, key, fmt.Sprintf(format, args...))
	}
	w := When{First: wf.First, Every: wf.Every, Per: wf.Per}
	if wf.First < 0 {
		return bad("first", "must be positive")
	}
	if wf.Every < 0 {
		return bad("every", "must be positive")
	}
	if wf.Requests != "" {
		from, to, err := parseRange(wf.Requests)
		if err != nil {
			return bad("requests", "%v", err)
		}
		w.From, w.To = from, to
	}
	if wf.Probability != nil {
		if p := *wf.Probability; p < 0 || p > 1 {
			return bad("probability", "%g must be between 0 and 1", p)
		}
		w.Probability, w.sampled = *wf.Probability, true
	}
	if wf.After != nil {
		w.After = wf.After.D()
	}
	if wf.For != nil {
		w.For = wf.For.D()
	}
	if wf.Per != "" && wf.Per != "route" && wf.Per != "ip" && !(strings.HasPrefix(wf.Per, "header:") && len(wf.Per) > len("header:")) {
		return bad("per", "%q: use route, ip, or header:Name (e.g. header:Idempotency-Key)", wf.Per)
	}
	return w, nil
}

// parseRange reads "N..M", "N.." or "N".
func parseRange(s string) (from, to int, err error) {
	a, b, isRange := strings.Cut(s, "..")
	if from, err = strconv.Atoi(strings.TrimSpace(a)); err != nil || from < 1 {
		return 0, 0, fmt.Errorf("%q: write a range of request positions like 3..5, 3.. or 4 (counting from 1)", s)
	}
	if !isRange {
		return from, from, nil
	}
	if strings.TrimSpace(b) == "" {
		return from, 0, nil
	}
	if to, err = strconv.Atoi(strings.TrimSpace(b)); err != nil || to < from {
		return 0, 0, fmt.Errorf("%q: the end must be a number not below the start", s)
	}
	return from, to, nil
}

// params gives a fault decoder its YAML parameters: Into decodes them
// strictly, Errorf and ErrorfKey report a problem at their position.
type params = yamlx.Value

// Duration is a plan file duration ("250ms", "2s").
