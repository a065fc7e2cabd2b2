// Package plannode decodes a fault plan from a section of a larger YAML
// file (a scenario's upstream:), with that file's positions in its errors.
//
// Package fault's public API reads whole plan files ([fault.LoadPlan]) and
// keeps yaml.Node out of its signatures; scenarios, inside this module,
// needs the section form. fault sets Decode when it initializes, so any
// package that imports fault can call it.
package plannode

import "gopkg.in/yaml.v3"

// Decode decodes the plan mapping n, at key path path of file, into a
// *fault.Plan. The plan may have no routes: the caller knows whether
// something else (a cassette, a spec) answers.
var Decode func(file string, n *yaml.Node, path string) (any, error)
