package yamlx

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// MaxAliasExpansion bounds how much YAML aliases may add to a document once
// expanded. An alias (*name) repeats the anchored value wherever it
// appears, so a small file can stand for a huge one: a 990 KB plan naming
// one route with a 500 KB body a thousand times is half a gigabyte of
// routes to build. A real plan or scenario shares a few small values
// (headers, a retry policy); 4 MiB of expansion leaves room for that and
// keeps loading any file quick and small.
const MaxAliasExpansion = 4 << 20

// nodeCost is what a node counts for besides its text, so that aliases of
// large collections of tiny values are bounded too.
const nodeCost = 16

// checkAliases refuses a document whose aliases expand it by more than
// MaxAliasExpansion bytes, naming the alias where the budget ran out.
func checkAliases(name string, root *yaml.Node) error {
	sizes := map[*yaml.Node]int64{}
	var added int64
	var over *yaml.Node
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if over != nil {
			return
		}
		if n.Kind == yaml.AliasNode {
			added += expanded(n.Alias, sizes, map[*yaml.Node]bool{})
			if added > MaxAliasExpansion {
				over = n
			}
			return
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(root)
	if over == nil {
		return nil
	}
	return &Error{File: name, Line: over.Line, Col: over.Column, Msg: fmt.Sprintf(
		"YAML aliases expand this document by more than %d MiB (here, *%s): write the shared values out, or share smaller ones",
		MaxAliasExpansion>>20, over.Value)}
}

// expanded returns the size of n with every alias inside it expanded,
// memoized per node so that nested aliases cost one visit each, and
// saturated past the budget so that no count overflows.
func expanded(n *yaml.Node, sizes map[*yaml.Node]int64, visiting map[*yaml.Node]bool) int64 {
	if n == nil {
		return 0
	}
	if s, ok := sizes[n]; ok {
		return s
	}
	if visiting[n] { // an anchor inside its own value: the parser refuses these, count none
		return 0
	}
	visiting[n] = true
	s := int64(nodeCost + len(n.Value))
	if n.Kind == yaml.AliasNode {
		s = nodeCost + expanded(n.Alias, sizes, visiting)
	}
	for _, c := range n.Content {
		s += expanded(c, sizes, visiting)
		if s > MaxAliasExpansion {
			s = MaxAliasExpansion + 1
			break
		}
	}
	delete(visiting, n)
	sizes[n] = s
	return s
}
