package cassettes

import (
	"bytes"
	"fmt"
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

// Scan looks for secrets in a cassette file, by faultline's one secret
// policy (the one the Redactor applies): values in known formats anywhere
// (Stripe sk_live_, AWS AKIA, GitHub ghp_, Slack xox, JWTs, bearer tokens,
// PEM private key blocks, Luhn-valid card numbers), and values of a
// secret's type under a sensitive name (headers, query parameters, form
// and JSON body fields). Placeholders (REDACTED, ***, <token>,
// replace_with_..., test-...) are not findings. A file that is not a
// usable cassette (not YAML, empty, truncated, a version faultline does
// not read) gives a *FormatError: its secrets cannot be judged.
func Scan(path string) ([]Finding, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scan: %w", err)
	}
	_, root, err := decodeTree(path, data)
	if err != nil {
		return nil, err
	}
	s := &scanner{file: path, raw: strings.Split(string(data), "\n"), seen: map[string]bool{}, lines: map[int]bool{}}
	for i, line := range s.raw {
		s.text(line, i+1, "text")
	}
	s.walk(root, "")
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
	if s.seen[key] || (s.lines[line] && (rule == "credential-header" || rule == "secret-value")) {
		return
	}
	s.seen[key], s.lines[line] = true, true
	s.found = append(s.found, Finding{File: s.file, Line: line, Rule: rule, Where: where, Masked: mask(value)})
}

// text reports known secret formats in one line of the file.
func (s *scanner) text(line string, n int, where string) {
	for _, m := range secrets.Find(line) {
		s.add(n, m.Rule, where, line[m.Start:m.End])
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
	kind := kinds[parent]
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
	case kind != "":
		var vs []string
		for _, c := range scalars(val) {
			vs = append(vs, c.Value)
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

// values reports the values of a header, query parameter or form field
// that the redactor would replace.
func (s *scanner) values(name string, vals []string, at *yaml.Node, kind string) {
	sensitive := defaultRedactor.Sensitive
	if kind != "header" {
		sensitive = defaultRedactor.sensitiveQuery
	}
	if !sensitive(name) {
		return
	}
	where := fmt.Sprintf("%s %q", kind, name)
	rule := "secret-value"
	if kind == "header" && credentialHeaders[strings.ToLower(name)] {
		rule = "credential-header"
	}
	for _, v := range vals {
		if secrets.Value(v) {
			s.add(s.lineOf(v, at), rule, where, v)
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

// json reports strings under sensitive names at any depth of a body.
func (s *scanner) json(v any, at *yaml.Node) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if str, ok := val.(string); ok {
				if defaultRedactor.Sensitive(k) && secrets.String(str) {
					s.add(s.lineOf(str, at), "secret-value", fmt.Sprintf("field %q", k), str)
				}
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
