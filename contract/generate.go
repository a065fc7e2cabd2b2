package contract

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"

	"github.com/lucasjones/reggen"
	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/datamodel/high/base"

	"github.com/faultline-dev/faultline/internal/yamlx"
)

// The generator draws a JSON value for a schema from a seed. It treats a
// schema and everything it must also satisfy (allOf members, the branch
// it picks of each oneOf/anyOf, the target of a $ref with siblings) as one
// conjunction, so the keywords of every member constrain the same value:
// an enum in one allOf member and a type in another, a discriminator's
// property set to the chosen branch's name, types intersected across
// members. The caller still judges the result with the validator and
// draws again on a miss (the generator does not reason about `not`,
// `if`/`then`, uniqueness across deep values, or a oneOf value matching
// two branches).
type generator struct {
	rng   *rand.Rand
	full  bool // render optional properties and one item of optional arrays
	nodes int  // values drawn so far: optional parts stop at nodeBudget
}

const (
	maxGenDepth = 48   // deeper than this a required chain is cyclic: give up
	fullDepth   = 6    // optional properties are rendered down to this depth
	nodeBudget  = 4000 // and while the value has fewer nodes than this
)

func newGenerator(seed int64, full bool) *generator {
	return &generator{rng: rand.New(rand.NewPCG(uint64(seed), 0x6661756c746c696e)), full: full}
}

// generateJSON draws a value for schema; ok is false when the schema
// cannot be satisfied within the depth bound.
func generateJSON(schema *base.Schema, seed int64, full bool) ([]byte, bool) {
	g := newGenerator(seed, full)
	v, ok := g.value([]*base.Schema{schema}, "value", 0)
	if !ok {
		return []byte("null"), false
	}
	b, err := json.Marshal(v)
	if err != nil {
		return []byte("null"), false
	}
	return b, true
}

// discriminated is a discriminator's property and the value naming the
// branch picked, set on the object once it is drawn.
type discriminated struct{ prop, value string }

// conj is a flattened conjunction of schemas.
type conj struct {
	all   []*base.Schema
	discs []discriminated
}

// flatten expands allOf members, $ref siblings and one picked branch of
// each oneOf/anyOf into one list.
func (g *generator) flatten(c *conj, s *base.Schema, depth int) {
	if s == nil || len(c.all) > 256 {
		return
	}
	if s.ParentProxy != nil && s.ParentProxy.IsTransformedRefWithSiblings() {
		if sem, err := s.ParentProxy.BuildTransformedRefSemanticSchema(s); err == nil && sem != nil && sem != s {
			s = sem
		}
	}
	c.all = append(c.all, s)
	for _, p := range s.AllOf {
		g.flatten(c, p.Schema(), depth)
	}
	for _, branches := range [][]*base.SchemaProxy{s.OneOf, s.AnyOf} {
		if len(branches) == 0 {
			continue
		}
		p := g.pickBranch(branches)
		if p == nil {
			continue
		}
		if d := s.Discriminator; d != nil && d.PropertyName != "" {
			if name := discriminatorValue(d, p); name != "" {
				c.discs = append(c.discs, discriminated{d.PropertyName, name})
			}
		}
		g.flatten(c, p.Schema(), depth)
	}
}

// pickBranch draws a branch, preferring those that are not just null.
func (g *generator) pickBranch(branches []*base.SchemaProxy) *base.SchemaProxy {
	var cands []*base.SchemaProxy
	for _, b := range branches {
		if s := b.Schema(); s != nil && !(len(s.Type) == 1 && s.Type[0] == "null") {
			cands = append(cands, b)
		}
	}
	if len(cands) == 0 {
		cands = branches
	}
	return cands[g.rng.IntN(len(cands))]
}

// discriminatorValue is the name a discriminator gives branch p: its
// mapping key, else the last segment of its $ref.
func discriminatorValue(d *base.Discriminator, p *base.SchemaProxy) string {
	ref := p.GetReference()
	if ref == "" {
		return ""
	}
	if d.Mapping != nil {
		for m := d.Mapping.First(); m != nil; m = m.Next() {
			if m.Value() == ref || strings.HasSuffix(ref, "/"+m.Value()) || strings.HasSuffix(m.Value(), ref) {
				return m.Key()
			}
		}
	}
	return ref[strings.LastIndex(ref, "/")+1:]
}

// value draws a value satisfying every schema in ss; name hints strings.
func (g *generator) value(ss []*base.Schema, name string, depth int) (any, bool) {
	if depth > maxGenDepth {
		return nil, false
	}
	g.nodes++
	c := &conj{}
	for _, s := range ss {
		g.flatten(c, s, depth)
	}
	for _, s := range c.all {
		if s.BooleanSchema != nil && !*s.BooleanSchema {
			return nil, false
		}
	}
	if v, ok := constOf(c.all); ok {
		return v, true
	}
	if v, ok, has := g.enumOf(c.all); has {
		return v, ok
	}
	switch g.pickType(c.all) {
	case "null":
		return nil, true
	case "boolean":
		return g.rng.IntN(2) == 0, true
	case "integer":
		return g.number(c.all, true), true
	case "number":
		return g.number(c.all, false), true
	case "string":
		return g.str(c.all, name), true
	case "array":
		return g.array(c.all, name, depth)
	default:
		return g.object(c, depth)
	}
}

func decode(n *yaml.Node) (any, bool) {
	var v any
	if n == nil || n.Decode(&v) != nil {
		return nil, false
	}
	return yamlx.JSONable(v), true
}

func constOf(ss []*base.Schema) (any, bool) {
	for _, s := range ss {
		if s.Const != nil {
			return decode(s.Const)
		}
	}
	return nil, false
}

// enumOf picks a value every enum in ss lists (non-null first); has is
// false when no schema has an enum.
func (g *generator) enumOf(ss []*base.Schema) (v any, ok, has bool) {
	var cands []any
	for _, s := range ss {
		if len(s.Enum) == 0 {
			continue
		}
		var vals []any
		for _, n := range s.Enum {
			if x, ok := decode(n); ok {
				vals = append(vals, x)
			}
		}
		if !has {
			cands, has = vals, true
			continue
		}
		cands = slices.DeleteFunc(cands, func(c any) bool { return !containsJSON(vals, c) })
	}
	if !has {
		return nil, false, false
	}
	if nn := slices.DeleteFunc(slices.Clone(cands), func(c any) bool { return c == nil }); len(nn) > 0 {
		cands = nn
	}
	if len(cands) == 0 {
		return nil, false, true
	}
	return cands[g.rng.IntN(len(cands))], true, true
}

func containsJSON(vals []any, v any) bool {
	b, _ := json.Marshal(v)
	for _, x := range vals {
		if y, _ := json.Marshal(x); string(y) == string(b) {
			return true
		}
	}
	return false
}

// pickType intersects the types the schemas declare (integer within
// number) and picks a non-null one; with none declared it infers the type
// from the keywords present.
func (g *generator) pickType(ss []*base.Schema) string {
	var types []string
	declared := false
	for _, s := range ss {
		if len(s.Type) == 0 {
			continue
		}
		if !declared {
			types, declared = slices.Clone(s.Type), true
			continue
		}
		var keep []string
		for _, t := range types {
			switch {
			case slices.Contains(s.Type, t):
				keep = append(keep, t)
			case t == "number" && slices.Contains(s.Type, "integer"):
				keep = append(keep, "integer")
			case t == "integer" && slices.Contains(s.Type, "number"):
				keep = append(keep, "integer")
			}
		}
		types = keep
	}
	if nn := slices.DeleteFunc(slices.Clone(types), func(t string) bool { return t == "null" }); len(nn) > 0 {
		return nn[g.rng.IntN(len(nn))]
	}
	if declared && len(types) > 0 {
		return "null"
	}
	return inferType(ss)
}

func inferType(ss []*base.Schema) string {
	for _, s := range ss {
		switch {
		case s.Properties != nil && s.Properties.Len() > 0, len(s.Required) > 0, s.AdditionalProperties != nil, s.MinProperties != nil:
			return "object"
		case s.Items != nil, len(s.PrefixItems) > 0, s.MinItems != nil, s.MaxItems != nil:
			return "array"
		case s.Pattern != "", s.Format != "", s.MinLength != nil, s.MaxLength != nil:
			return "string"
		case s.Minimum != nil, s.Maximum != nil, s.MultipleOf != nil:
			return "number"
		}
	}
	return "object"
}

// number draws a number in every schema's bounds, a multiple of every
// multipleOf the bounds allow.
func (g *generator) number(ss []*base.Schema, integer bool) any {
	lo, hi := math.Inf(-1), math.Inf(1)
	loEx, hiEx := false, false
	mult := 0.0
	for _, s := range ss {
		if s.Minimum != nil && *s.Minimum >= lo {
			lo, loEx = *s.Minimum, s.ExclusiveMinimum != nil && s.ExclusiveMinimum.IsA() && s.ExclusiveMinimum.A
		}
		if s.ExclusiveMinimum != nil && s.ExclusiveMinimum.IsB() && s.ExclusiveMinimum.B >= lo {
			lo, loEx = s.ExclusiveMinimum.B, true
		}
		if s.Maximum != nil && *s.Maximum <= hi {
			hi, hiEx = *s.Maximum, s.ExclusiveMaximum != nil && s.ExclusiveMaximum.IsA() && s.ExclusiveMaximum.A
		}
		if s.ExclusiveMaximum != nil && s.ExclusiveMaximum.IsB() && s.ExclusiveMaximum.B <= hi {
			hi, hiEx = s.ExclusiveMaximum.B, true
		}
		if s.MultipleOf != nil && *s.MultipleOf > 0 {
			mult = *s.MultipleOf
		}
	}
	if integer && mult == 0 {
		mult = 1
	}
	// a friendly range inside the bounds
	from, to := 1.0, 100.0
	if !math.IsInf(lo, 0) {
		from, to = lo, math.Max(lo+1, math.Min(lo+100, hi))
	}
	if !math.IsInf(hi, 0) {
		to = hi
		if math.IsInf(lo, 0) {
			from = math.Min(1, hi-100)
			if hi >= 1 {
				from = math.Max(1, hi-100)
			}
		}
	}
	if loEx && from == lo {
		from += math.Min(1, (to-from)/2)
	}
	if hiEx && to == hi {
		to -= math.Min(1, (to-from)/2)
	}
	if to < from {
		to = from
	}
	x := from + g.rng.Float64()*(to-from)
	if mult > 0 {
		k := math.Round(x / mult)
		x = k * mult
		if x < from {
			x += mult
		}
		if x > to {
			x -= mult
		}
		x = math.Round(x*1e9) / 1e9
	} else {
		x = math.Round(x*100) / 100
	}
	if integer || x == math.Trunc(x) {
		return int64(x)
	}
	return x
}

// str draws a string matching every pattern, the format and the length
// bounds.
func (g *generator) str(ss []*base.Schema, name string) string {
	minLen, maxLen := int64(0), int64(-1)
	format := ""
	var patterns []string
	for _, s := range ss {
		if s.MinLength != nil && *s.MinLength > minLen {
			minLen = *s.MinLength
		}
		if s.MaxLength != nil && (maxLen < 0 || *s.MaxLength < maxLen) {
			maxLen = *s.MaxLength
		}
		if s.Format != "" && format == "" {
			format = s.Format
		}
		if s.Pattern != "" {
			patterns = append(patterns, s.Pattern)
		}
	}
	if len(patterns) > 0 {
		if v, ok := g.fromPatterns(patterns, minLen, maxLen); ok {
			return v
		}
	}
	v, ok := g.formatted(format)
	if !ok {
		v = fmt.Sprintf("%s_%04d", wordOf(name), g.rng.IntN(10000))
	}
	for int64(len([]rune(v))) < minLen {
		v += "x"
	}
	if maxLen >= 0 && int64(len([]rune(v))) > maxLen {
		v = string([]rune(v)[:maxLen])
	}
	return v
}

// fromPatterns generates from the first pattern until a draw matches them
// all (those Go can compile) within the length bounds.
func (g *generator) fromPatterns(patterns []string, minLen, maxLen int64) (string, bool) {
	gen, err := reggen.NewGenerator(patterns[0])
	if err != nil {
		return "", false
	}
	var res []*regexp.Regexp
	for _, p := range patterns {
		if re, err := regexp.Compile(p); err == nil {
			res = append(res, re)
		}
	}
	budget := 12
	if maxLen > 0 && maxLen < int64(budget) {
		budget = int(maxLen)
	}
	for try := 0; try < 16; try++ {
		gen.SetSeed(g.rng.Int64())
		v := gen.Generate(budget)
		n := int64(len([]rune(v)))
		if n < minLen || (maxLen >= 0 && n > maxLen) {
			continue
		}
		if !slices.ContainsFunc(res, func(re *regexp.Regexp) bool { return !re.MatchString(v) }) {
			return v, true
		}
	}
	return "", false
}

func (g *generator) formatted(format string) (string, bool) {
	r := g.rng
	switch format {
	case "date-time":
		return fmt.Sprintf("2026-%02d-%02dT%02d:%02d:%02dZ", 1+r.IntN(12), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60)), true
	case "date":
		return fmt.Sprintf("2026-%02d-%02d", 1+r.IntN(12), 1+r.IntN(28)), true
	case "time":
		return fmt.Sprintf("%02d:%02d:%02dZ", r.IntN(24), r.IntN(60), r.IntN(60)), true
	case "uuid":
		b := make([]byte, 16)
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
		return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:]), true
	case "email", "idn-email":
		return fmt.Sprintf("user%d@example.com", r.IntN(1000)), true
	case "uri", "url", "iri":
		return fmt.Sprintf("https://example.com/r/%d", r.IntN(10000)), true
	case "uri-reference", "iri-reference":
		return fmt.Sprintf("/r/%d", r.IntN(10000)), true
	case "hostname", "idn-hostname":
		return fmt.Sprintf("host%d.example.com", r.IntN(100)), true
	case "ipv4":
		return fmt.Sprintf("192.0.2.%d", 1+r.IntN(254)), true
	case "ipv6":
		return fmt.Sprintf("2001:db8::%x", 1+r.IntN(0xfffe)), true
	case "byte":
		return base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "faultline-%d", r.IntN(1000))), true
	case "duration":
		return fmt.Sprintf("PT%dS", 1+r.IntN(3600)), true
	case "int32", "int64":
		return fmt.Sprint(r.IntN(100000)), true
	}
	return "", false
}

// wordOf makes a property name usable as a readable string stem.
func wordOf(name string) string {
	name = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return -1
	}, name)
	if name == "" || len(name) > 24 {
		return "value"
	}
	return name
}

// array draws minItems items (one when none are required and the value is
// rendered fully), the leading ones from prefixItems.
func (g *generator) array(ss []*base.Schema, name string, depth int) (any, bool) {
	var items, prefix []*base.Schema
	minN, maxN := int64(0), int64(-1)
	closed, unique := false, false
	for _, s := range ss {
		if s.Items != nil {
			if s.Items.IsA() && s.Items.A != nil {
				if is := s.Items.A.Schema(); is != nil {
					items = append(items, is)
				}
			} else if s.Items.IsB() && !s.Items.B {
				closed = true
			}
		}
		if len(s.PrefixItems) > 0 && prefix == nil {
			for _, p := range s.PrefixItems {
				prefix = append(prefix, p.Schema())
			}
		}
		if s.MinItems != nil && *s.MinItems > minN {
			minN = *s.MinItems
		}
		if s.MaxItems != nil && (maxN < 0 || *s.MaxItems < maxN) {
			maxN = *s.MaxItems
		}
		unique = unique || (s.UniqueItems != nil && *s.UniqueItems)
	}
	n := minN
	if n == 0 && g.optional(depth) {
		n = 1
	}
	if n < int64(len(prefix)) && (closed || g.optional(depth)) {
		n = int64(len(prefix))
	}
	if closed && len(prefix) > 0 && n > int64(len(prefix)) {
		n = int64(len(prefix))
	}
	if maxN >= 0 && n > maxN {
		n = maxN
	}
	out := make([]any, 0, n)
	seen := map[string]bool{}
	for i := int64(0); i < n; i++ {
		var want []*base.Schema
		if i < int64(len(prefix)) {
			if prefix[i] != nil {
				want = []*base.Schema{prefix[i]}
			}
		} else {
			want = items
		}
		v, ok := g.item(want, name, depth, unique, seen)
		if !ok {
			if i >= minN {
				break
			}
			return nil, false
		}
		out = append(out, v)
	}
	return out, true
}

// item draws one array item, distinct from those seen when unique.
func (g *generator) item(want []*base.Schema, name string, depth int, unique bool, seen map[string]bool) (any, bool) {
	for try := 0; try < 8; try++ {
		var v any = fmt.Sprintf("%s_%d", wordOf(name), g.rng.IntN(10000))
		ok := true
		if len(want) > 0 {
			v, ok = g.value(want, name, depth+1)
		}
		if !ok {
			return nil, false
		}
		if !unique {
			return v, true
		}
		b, _ := json.Marshal(v)
		if !seen[string(b)] {
			seen[string(b)] = true
			return v, true
		}
	}
	return nil, false
}

func (g *generator) optional(depth int) bool {
	return g.full && depth < fullDepth && g.nodes < nodeBudget
}

// object draws the required properties (and, rendered fully, the optional
// ones) from every schema's properties, then adds properties up to
// minProperties and sets each discriminator's property to its branch.
func (g *generator) object(c *conj, depth int) (any, bool) {
	props := map[string][]*base.Schema{}
	var order, required []string
	var extra []*base.Schema // additionalProperties schemas
	closed := false
	maxProps, minProps := int64(-1), int64(0)
	for _, s := range c.all {
		if s.Properties != nil {
			for p := s.Properties.First(); p != nil; p = p.Next() {
				if _, seen := props[p.Key()]; !seen {
					order = append(order, p.Key())
				}
				if ps := p.Value().Schema(); ps != nil {
					props[p.Key()] = append(props[p.Key()], ps)
				} else {
					props[p.Key()] = append(props[p.Key()], nil)
				}
			}
		}
		for _, r := range s.Required {
			if !slices.Contains(required, r) {
				required = append(required, r)
			}
		}
		if ap := s.AdditionalProperties; ap != nil {
			if ap.IsA() && ap.A != nil && ap.A.Schema() != nil {
				extra = append(extra, ap.A.Schema())
			} else if ap.IsB() && !ap.B {
				closed = true
			}
		}
		if s.MaxProperties != nil && (maxProps < 0 || *s.MaxProperties < maxProps) {
			maxProps = *s.MaxProperties
		}
		if s.MinProperties != nil && *s.MinProperties > minProps {
			minProps = *s.MinProperties
		}
	}
	out := map[string]any{}
	draw := func(name string) bool {
		want := slices.DeleteFunc(slices.Clone(props[name]), func(s *base.Schema) bool { return s == nil })
		if _, declared := props[name]; !declared {
			want = extra
		}
		if len(want) == 0 {
			out[name] = fmt.Sprintf("%s_%d", wordOf(name), g.rng.IntN(10000))
			return true
		}
		v, ok := g.value(want, name, depth+1)
		if ok {
			out[name] = v
		}
		return ok
	}
	for _, name := range required {
		if !draw(name) {
			return nil, false
		}
	}
	for _, name := range order {
		if _, done := out[name]; done || !g.optional(depth) || (maxProps >= 0 && int64(len(out)) >= maxProps) {
			continue
		}
		if writeOnly(props[name]) {
			continue
		}
		_ = draw(name)
	}
	for _, name := range order {
		if int64(len(out)) >= minProps {
			break
		}
		if _, done := out[name]; !done {
			_ = draw(name)
		}
	}
	for i := 1; int64(len(out)) < minProps && !closed && i < 64; i++ {
		_ = draw(fmt.Sprintf("extra_%d", i))
	}
	for _, d := range c.discs {
		if allows(props[d.prop], d.value) {
			out[d.prop] = d.value
		}
	}
	return out, true
}

func writeOnly(ss []*base.Schema) bool {
	for _, s := range ss {
		if s != nil && s.WriteOnly != nil && *s.WriteOnly {
			return true
		}
	}
	return false
}

// allows reports whether a discriminator value fits the property's
// schemas: no const or enum says otherwise.
func allows(ss []*base.Schema, v string) bool {
	for _, s := range ss {
		if s == nil {
			continue
		}
		if c, ok := decode(s.Const); ok && c != v {
			return false
		}
		if len(s.Enum) > 0 {
			var vals []any
			for _, n := range s.Enum {
				if x, ok := decode(n); ok {
					vals = append(vals, x)
				}
			}
			if !containsJSON(vals, v) {
				return false
			}
		}
	}
	return true
}
