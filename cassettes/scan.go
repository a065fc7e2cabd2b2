package cassettes

import (
	"bytes"
	"fmt"
	"math"
	"net/url"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/faultline-dev/faultline/internal/secrets"
)

// Finding is a secret found in a cassette file. The value is masked.
type Finding struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Rule   string `json:"rule"`  // e.g. "stripe-key", "credential-header", "high-entropy"
	Where  string `json:"where"` // e.g. `header "Authorization"`, `field "password"`
	Masked string `json:"masked"`
}

func (f Finding) String() string {
	return fmt.Sprintf("%s:%d: %s in %s: %s", f.File, f.Line, f.Rule, f.Where, f.Masked)
}

// credentialHeaders hold a credential whatever their value looks like.
var credentialHeaders = map[string]bool{"authorization": true, "proxy-authorization": true, "cookie": true, "set-cookie": true}

// Scan looks for secrets in a cassette file: known key formats anywhere
// (Stripe sk_live_, AWS AKIA, GitHub ghp_, Slack xox, JWTs, bearer tokens,
// private keys), any value in a credential header, and high-entropy values
// in fields whose name looks sensitive (headers, query parameters, form and
// JSON body fields). Redacted placeholders are not findings. A file that is
// not YAML gives a *FormatError.
func Scan(path string) ([]Finding, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scan: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlError(path, err)
	}
	s := &scanner{file: path, raw: strings.Split(string(data), "\n"), seen: map[string]bool{}, lines: map[int]bool{}}
	for i, line := range s.raw {
		s.text(line, i+1, "text")
	}
	s.walk(&doc, "")
	sort.SliceStable(s.found, func(a, b int) bool { return s.found[a].Line < s.found[b].Line })
	return s.found, nil
}

type scanner struct {
	file  string
	raw   []string
	seen  map[string]bool
	lines map[int]bool // lines with a finding already
	found []Finding
}

func (s *scanner) add(line int, rule, where, value string) {
	key := fmt.Sprint(line, rule, value)
	if s.seen[key] || (s.lines[line] && (rule == "credential-header" || rule == "high-entropy")) {
		return
	}
	s.seen[key], s.lines[line] = true, true
	s.found = append(s.found, Finding{File: s.file, Line: line, Rule: rule, Where: where, Masked: mask(value)})
}

// text reports known secret formats in one line of the file.
func (s *scanner) text(line string, n int, where string) {
	if !secrets.MayHold(line) {
		return
	}
	for _, p := range secrets.Known {
		for _, m := range p.RE.FindAllString(line, -1) {
			s.add(n, p.Rule, where, m)
		}
	}
}

// walk visits every mapping entry of the YAML tree; parent is the key the
// node is the value of.
func (s *scanner) walk(n *yaml.Node, parent string) {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			s.entry(n.Content[i].Value, n.Content[i+1], parent)
			s.walk(n.Content[i+1], n.Content[i].Value)
		}
		return
	}
	for _, c := range n.Content {
		s.walk(c, parent)
	}
}

// kinds names what the entries under a cassette key are.
var kinds = map[string]string{"headers": "header", "trailer": "header", "form": "form field"}

func (s *scanner) entry(key string, val *yaml.Node, parent string) {
	switch {
	case key == "url" || key == "request_uri":
		s.url(val)
	case key == "body" && val.Kind == yaml.ScalarNode:
		if v, ok := parseJSON([]byte(val.Value)); ok {
			s.json(v, val)
		} else if q, err := url.ParseQuery(val.Value); err == nil && strings.Contains(val.Value, "=") {
			for k, vs := range q {
				s.values(k, vs, val, "form field")
			}
		}
	case defaultRedactor.Sensitive(key):
		var vs []string
		for _, c := range scalars(val) {
			vs = append(vs, c.Value)
		}
		kind := kinds[parent]
		if kind == "" {
			kind = "field"
		}
		s.values(key, vs, val, kind)
	}
}

func scalars(n *yaml.Node) []*yaml.Node {
	switch n.Kind {
	case yaml.ScalarNode:
		return []*yaml.Node{n}
	case yaml.SequenceNode:
		var out []*yaml.Node
		for _, c := range n.Content {
			if c.Kind == yaml.ScalarNode {
				out = append(out, c)
			}
		}
		return out
	}
	return nil
}

// values checks the values of a sensitive name.
func (s *scanner) values(name string, vals []string, at *yaml.Node, kind string) {
	if !defaultRedactor.Sensitive(name) {
		return
	}
	where := fmt.Sprintf("%s %q", kind, name)
	for _, v := range vals {
		if v == "" || strings.Contains(v, Placeholder) {
			continue
		}
		switch {
		case kind == "header" && credentialHeaders[strings.ToLower(name)]:
			s.add(s.lineOf(v, at), "credential-header", where, v)
		case highEntropy(v):
			s.add(s.lineOf(v, at), "high-entropy", where, v)
		}
	}
}

func (s *scanner) url(val *yaml.Node) {
	u, err := url.Parse(val.Value)
	if err != nil {
		return
	}
	for k, vs := range u.Query() {
		s.values(k, vs, val, "query parameter")
	}
}

func (s *scanner) json(v any, at *yaml.Node) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if str, ok := val.(string); ok {
				s.values(k, []string{str}, at, "field")
				continue
			}
			s.json(val, at)
		}
	case []any:
		for _, e := range x {
			s.json(e, at)
		}
	}
}

// lineOf finds the line holding v at or after the node's line; the node's
// line when the value is escaped differently in the file.
func (s *scanner) lineOf(v string, at *yaml.Node) int {
	for i := at.Line - 1; i >= 0 && i < len(s.raw); i++ {
		if strings.Contains(s.raw[i], v) {
			return i + 1
		}
		if i > at.Line+200 {
			break
		}
	}
	return at.Line
}

// highEntropy reports values that look machine-generated: at least 8
// characters and more than 3 bits of entropy per character.
func highEntropy(v string) bool {
	if len(v) < 8 || strings.ContainsAny(v, " \n") {
		return false
	}
	var counts [256]int
	for i := 0; i < len(v); i++ {
		counts[v[i]]++
	}
	h := 0.0
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / float64(len(v))
			h -= p * math.Log2(p)
		}
	}
	return h > 3.0
}

// mask keeps at most four leading characters of a secret.
func mask(v string) string {
	if len(v) <= 8 {
		return strings.Repeat("*", len(v))
	}
	var b bytes.Buffer
	r := []rune(v)
	b.WriteString(string(r[:min(4, len(r))]))
	fmt.Fprintf(&b, "…(%d chars)", len(v))
	return b.String()
}
