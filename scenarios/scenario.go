package scenarios

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/faultline-dev/faultline/cassettes"
	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/internal/yamlx"
	"github.com/faultline-dev/faultline/resilience"
)

// Scenario is a validated scenario: a fault plan for the upstream, the
// client under test and what it is asked to do, and the checks its
// behaviour must pass.
type Scenario struct {
	Name        string
	Description string
	Tags        []string
	File        string
	Seed        int64 // 0: derived from the run's seed and the name
	Timeout     time.Duration
	Plan        *fault.Plan
	// Cassette and Spec name the base handler the plan's routes fall back
	// to (see [Upstream]), relative to File; at most one is set.
	Cassette, Spec string
	Client         Client
	Checks         []Check

	cassette *cassettes.Cassette // Cassette, loaded once when the file is
}

// Client is the client under test and the calls it is asked to make.
type Client struct {
	Calls     []Call
	Reference *Reference // nil when the scenario needs an external client
	Exec      *Exec
	// Receiver is the webhook receiver that plan webhooks with target
	// "receiver" are delivered to.
	Receiver *Receiver
}

// Receiver is the client's webhook receiver: the reference receiver
// (package resilience/receiver) with this scheme and secret, or, for an
// external client, the URL its own handler listens on.
type Receiver struct {
	Scheme, Secret string
	URL            string // an external client's handler; empty: the reference receiver
	// EffectsURL answers GET with JSON {"<event id>": count} for an
	// external receiver, so exactly-once can be judged.
	EffectsURL string
}

// Call is a logical call the client is asked to make, Count times.
type Call struct {
	Method      string            `json:"method"`
	Path        string            `json:"path"`
	Headers     map[string]string `json:"headers,omitempty"`
	Body        string            `json:"body,omitempty"`
	Kind        string            `json:"kind,omitempty"`
	Count       int               `json:"count"`
	Concurrency int               `json:"concurrency"`
	Pace        time.Duration     `json:"pace_ns"`
	Timeout     time.Duration     `json:"timeout_ns,omitempty"`
	// Expect is the JSON shape the client validates a response against:
	// field path to type (string, number, bool, object, array).
	Expect map[string]string `json:"expect,omitempty"`
	// Paginate asks for the whole listing at Path, page by page: "cursor"
	// (?cursor=, next_cursor) or "page" (?page=, next_page).
	Paginate string `json:"paginate,omitempty"`
}

// Reference configures the reference resilient client.
type Reference struct {
	Policy   resilience.Policy
	Fallback *fault.Response // a static fallback answer, if any
}

// Exec runs any program as the client.
type Exec struct {
	Command []string
	Timeout time.Duration
	Env     map[string]string
}

// DefaultTimeout bounds a scenario that does not set its own.
const DefaultTimeout = 30 * time.Second

// Tags is the fixed vocabulary scenario tags come from.
var Tags = []string{
	"timeout", "retry", "retry-after", "idempotency", "circuit-breaker", "rate-limit", "no-retry-4xx",
	"partial-response", "malformed", "outage", "concurrency", "webhook", "auth", "pagination", "tls", "light", "full", "complete",
}

type scenarioFile struct {
	Version     int             `yaml:"version"`
	Name        string          `yaml:"name"`
	Description string          `yaml:"description"`
	Tags        []string        `yaml:"tags"`
	Seed        int64           `yaml:"seed"`
	Timeout     *yamlx.Duration `yaml:"timeout"`
	Upstream    yaml.Node       `yaml:"upstream"`
	Client      clientFile      `yaml:"client"`
	Checks      []yaml.Node     `yaml:"checks"`
}

type clientFile struct {
	Calls     []callFile     `yaml:"calls"`
	Reference *referenceFile `yaml:"reference"`
	Exec      *execFile      `yaml:"exec"`
	Receiver  *struct {
		Scheme     string `yaml:"scheme"`
		Secret     string `yaml:"secret"`
		URL        string `yaml:"url"`
		EffectsURL string `yaml:"effects_url"`
	} `yaml:"receiver"`
}

type callFile struct {
	Method      string            `yaml:"method"`
	Path        string            `yaml:"path"`
	Headers     map[string]string `yaml:"headers"`
	Body        string            `yaml:"body"`
	JSON        yaml.Node         `yaml:"json"`
	Kind        string            `yaml:"kind"`
	Count       int               `yaml:"count"`
	Concurrency int               `yaml:"concurrency"`
	Pace        yamlx.Duration    `yaml:"pace"`
	Timeout     yamlx.Duration    `yaml:"timeout"`
	Expect      map[string]string `yaml:"expect"`
	Paginate    string            `yaml:"paginate"`
}

type referenceFile struct {
	Policy   yaml.Node `yaml:"policy"`
	Fallback *struct {
		Status int    `yaml:"status"`
		Body   string `yaml:"body"`
	} `yaml:"fallback"`
}

type execFile struct {
	Command []string          `yaml:"command"`
	Timeout yamlx.Duration    `yaml:"timeout"`
	Env     map[string]string `yaml:"env"`
}

// LoadFile reads and validates one scenario file.
func LoadFile(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", fault.ErrInvalid, err)
	}
	return Load(path, data)
}

// Load parses and validates a scenario; name is used in errors and reports.
// It reports every problem it finds (joined with errors.Join, one line
// each), not only the first.
func Load(name string, data []byte) (*Scenario, error) {
	f, err := yamlx.Parse(name, data)
	if err != nil {
		return nil, err
	}
	var sf scenarioFile
	var errs problems
	unknown, err := f.DecodeAll(f.Root, &sf, "")
	errs.add(unknown)
	if err != nil {
		errs.add(err)
		return nil, errs.join() // a value of the wrong type: what follows cannot be judged
	}
	sc := decodeScenario(f, &sf, &errs)
	if err := errs.join(); err != nil {
		return nil, err
	}
	return sc, nil
}

// problems collects a file's errors, one per position.
type problems struct {
	errs []error
	at   map[[2]int]bool // positions already reported: a later check of a value already rejected adds nothing
}

func (p *problems) add(err error) bool {
	if err == nil {
		return true
	}
	for _, e := range yamlx.Unjoin(err) {
		var ye *yamlx.Error
		if errors.As(e, &ye) && ye.Line > 0 {
			pos := [2]int{ye.Line, ye.Col}
			if p.at[pos] {
				continue
			}
			if p.at == nil {
				p.at = map[[2]int]bool{}
			}
			p.at[pos] = true
		}
		p.errs = append(p.errs, e)
	}
	return false
}

// join returns the problems in the order they appear in the file.
func (p *problems) join() error {
	line := func(err error) [2]int {
		var ye *yamlx.Error
		if errors.As(err, &ye) {
			return [2]int{ye.Line, ye.Col}
		}
		return [2]int{}
	}
	sort.SliceStable(p.errs, func(i, j int) bool {
		a, b := line(p.errs[i]), line(p.errs[j])
		return a[0] < b[0] || a[0] == b[0] && a[1] < b[1]
	})
	return errors.Join(p.errs...)
}

func decodeScenario(f *yamlx.File, sf *scenarioFile, errs *problems) *Scenario {
	name := f.Name
	at := func(key string) *yaml.Node { return yamlx.MapValue(f.Root, key) }
	if sf.Version != 1 {
		errs.add(yamlx.Errorf(name, yamlx.At(f.Root, "version"), "version: write version: 1 at the top of a scenario file"))
	}
	if strings.TrimSpace(sf.Name) == "" {
		errs.add(yamlx.Errorf(name, f.Root, "name: a scenario needs a name"))
	}
	sc := &Scenario{Name: sf.Name, Description: sf.Description, Tags: sf.Tags, File: name, Seed: sf.Seed, Timeout: DefaultTimeout}
	if sf.Timeout != nil {
		if sf.Timeout.D() <= 0 {
			errs.add(yamlx.Errorf(name, at("timeout"), "timeout: give a duration above zero, e.g. timeout: 5s (or leave it out for %s)", DefaultTimeout))
		}
		sc.Timeout = sf.Timeout.D()
	}
	errs.add(checkTags(name, at("tags"), sf.Tags))
	var err error
	if sf.Upstream.IsZero() {
		errs.add(yamlx.Errorf(name, f.Root, "upstream: a scenario needs an upstream plan (routes and faults)"))
	} else if up, err := decodeUpstream(f, &sf.Upstream, "upstream"); errs.add(err) {
		sc.Plan, sc.Cassette, sc.Spec = up.Plan, up.Cassette, up.Spec
		errs.add(loadCassette(sc, f, &sf.Upstream))
	}
	sc.Client, err = decodeClient(f, at("client"), &sf.Client)
	errs.add(err)
	if len(sf.Checks) == 0 {
		errs.add(yamlx.Errorf(name, f.Root, "checks: a scenario needs at least one check, or it cannot fail"))
	}
	for i := range sf.Checks {
		c, err := decodeCheck(f, &sf.Checks[i], fmt.Sprintf("checks[%d]", i))
		if errs.add(err) {
			sc.Checks = append(sc.Checks, c)
		}
	}
	if sc.Plan != nil {
		errs.add(checkSpec(sc, f, &sf.Upstream))
	}
	return sc
}

func checkTags(file string, n *yaml.Node, tags []string) error {
	for i, t := range tags {
		if !contains(Tags, t) {
			return yamlx.Errorf(file, n.Content[i], "tags[%d]: %q is not a known tag; use: %s", i, t, strings.Join(Tags, ", "))
		}
		if contains(tags[:i], t) {
			return yamlx.Errorf(file, n.Content[i], "tags[%d]: %q is given twice; remove one", i, t)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func decodeClient(f *yamlx.File, n *yaml.Node, cf *clientFile) (Client, error) {
	if n == nil {
		return Client{}, yamlx.Errorf(f.Name, f.Root, "client: a scenario needs a client with calls")
	}
	var c Client
	if len(cf.Calls) == 0 {
		return c, yamlx.Errorf(f.Name, n, "client.calls: list at least one call, e.g. {method: GET, path: /v1/things}")
	}
	callsNode := yamlx.MapValue(n, "calls")
	for i := range cf.Calls {
		call, err := decodeCall(f, callsNode.Content[i], &cf.Calls[i], fmt.Sprintf("client.calls[%d]", i))
		if err != nil {
			return c, err
		}
		c.Calls = append(c.Calls, call)
	}
	if cf.Exec != nil {
		if len(cf.Exec.Command) == 0 {
			return c, yamlx.Errorf(f.Name, yamlx.MapValue(n, "exec"), "client.exec.command: give the program and its arguments as a list")
		}
		c.Exec = &Exec{Command: cf.Exec.Command, Timeout: cf.Exec.Timeout.D(), Env: cf.Exec.Env}
	}
	if r := cf.Receiver; r != nil {
		if r.URL == "" && (r.Scheme == "" || r.Secret == "") {
			return c, yamlx.Errorf(f.Name, yamlx.MapValue(n, "receiver"), "client.receiver: give scheme and secret for the reference receiver, or url for your own")
		}
		c.Receiver = &Receiver{Scheme: r.Scheme, Secret: r.Secret, URL: r.URL, EffectsURL: r.EffectsURL}
	}
	if cf.Reference != nil || cf.Exec == nil {
		ref, err := decodeReference(f, yamlx.MapValue(n, "reference"), cf.Reference)
		if err != nil {
			return c, err
		}
		c.Reference = ref
	}
	return c, nil
}

func decodeCall(f *yamlx.File, n *yaml.Node, cf *callFile, path string) (Call, error) {
	c := Call{Method: strings.ToUpper(cf.Method), Path: cf.Path, Headers: cf.Headers, Body: cf.Body, Kind: cf.Kind,
		Count: cf.Count, Concurrency: cf.Concurrency, Pace: cf.Pace.D(), Timeout: cf.Timeout.D(), Expect: cf.Expect, Paginate: cf.Paginate}
	if c.Method == "" {
		c.Method = "GET"
	}
	if !strings.HasPrefix(c.Path, "/") {
		return c, yamlx.Errorf(f.Name, yamlx.At(n, "path"), "%s.path: %q must start with /", path, c.Path)
	}
	if !cf.JSON.IsZero() {
		var v any
		if err := cf.JSON.Decode(&v); err != nil {
			return c, yamlx.Errorf(f.Name, &cf.JSON, "%s.json: %v", path, err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			return c, yamlx.Errorf(f.Name, &cf.JSON, "%s.json: %v", path, err)
		}
		c.Body = string(b)
		c.Headers = withDefault(c.Headers, "Content-Type", "application/json")
	}
	if c.Count < 0 || c.Concurrency < 0 {
		return c, yamlx.Errorf(f.Name, n, "%s: count and concurrency must not be negative", path)
	}
	c.Count, c.Concurrency = max(c.Count, 1), max(c.Concurrency, 1)
	if c.Kind != "" && !contains([]string{"read", "create", "update", "payment", "upload"}, c.Kind) {
		return c, yamlx.Errorf(f.Name, yamlx.MapValue(n, "kind"), "%s.kind: %q: use read, create, update, payment or upload", path, c.Kind)
	}
	if c.Paginate != "" && c.Paginate != "cursor" && c.Paginate != "page" {
		return c, yamlx.Errorf(f.Name, yamlx.MapValue(n, "paginate"), "%s.paginate: %q: use cursor or page", path, c.Paginate)
	}
	for field, typ := range c.Expect {
		if !contains([]string{"string", "number", "bool", "object", "array"}, typ) {
			return c, yamlx.Errorf(f.Name, yamlx.MapValue(n, "expect"), "%s.expect.%s: %q: use string, number, bool, object or array", path, field, typ)
		}
	}
	return c, nil
}

func withDefault(h map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for hk, hv := range h {
		out[hk] = hv
	}
	return out
}

func decodeReference(f *yamlx.File, n *yaml.Node, rf *referenceFile) (*Reference, error) {
	ref := &Reference{Policy: resilience.DefaultPolicy()}
	if rf == nil {
		return ref, nil
	}
	if !rf.Policy.IsZero() {
		p, err := resilience.PolicyFromYAML(&rf.Policy, ref.Policy)
		if err != nil {
			return nil, yamlx.Nest(err, f.Name, &rf.Policy, "client.reference.policy")
		}
		ref.Policy = p
	}
	if fb := rf.Fallback; fb != nil {
		ref.Fallback = &fault.Response{Status: fb.Status, Body: []byte(fb.Body)}
		if fb.Status == 0 {
			ref.Fallback.Status = 200
		}
	}
	return ref, nil
}

// uniqueNames rejects two scenarios with one name: --only and the
// reproduce commands select scenarios by name.
func uniqueNames(scs []*Scenario) error {
	seen := map[string]string{}
	for _, sc := range scs {
		if other, ok := seen[sc.Name]; ok {
			return fmt.Errorf("%w: %s: name %q is also used by %s: scenario names must be unique", fault.ErrInvalid, sc.File, sc.Name, other)
		}
		seen[sc.Name] = sc.File
	}
	return nil
}
