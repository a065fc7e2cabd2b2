package scenarios

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/internal/fielderr"
	"github.com/faultline-dev/faultline/report"
)

// Selection says which scenarios a run takes: `faultline run`'s paths,
// --only, --tags and --shard, as typed values.
type Selection struct {
	Paths []string // scenario files and folders (see LoadPaths); none: the built-in Library
	Only  string   // keep the names this glob matches ("" keeps all)
	Tags  []string // keep the scenarios carrying every one of these; each must be in Tags
	// Shard and Shards keep the Shard-th of Shards interleaved parts
	// (1 <= Shard <= Shards), so that Shards CI runners together run every
	// scenario once; Shards 0 keeps every part.
	Shard, Shards int
}

func (s Selection) partial() bool { return s.Only != "" || len(s.Tags) > 0 || s.Shards > 0 }

// Suite is what a Selection picked.
type Suite struct {
	Scenarios []*Scenario
	Partial   bool // the selection left scenarios out (Only, Tags or Shards)
}

// Pick loads the scenarios sel names and keeps those it selects, in file
// order. A bad file, or a selection that cannot select (an unknown tag, a
// malformed glob, a shard out of range), is an error wrapping
// fault.ErrInvalid; an error that is not is faultline's own (a file that
// cannot be read).
func Pick(sel Selection) (*Suite, error) {
	if err := sel.check(); err != nil {
		return nil, err
	}
	var scs []*Scenario
	var err error
	if len(sel.Paths) == 0 {
		scs, err = Library()
	} else {
		scs, err = LoadPaths(sel.Paths)
	}
	if err != nil {
		return nil, err
	}
	if scs, err = Select(scs, sel.Only, sel.Tags); err != nil {
		return nil, err
	}
	if sel.Shards > 0 {
		scs = Shard(scs, sel.Shard, sel.Shards)
	}
	return &Suite{Scenarios: scs, Partial: sel.partial()}, nil
}

func (sel Selection) check() error {
	for _, t := range sel.Tags {
		if !slices.Contains(Tags, t) {
			return &fielderr.Error{Kind: fault.ErrInvalid, Field: "Tags",
				Problem: fmt.Sprintf("%q is not a known tag; use: %s", t, strings.Join(Tags, ", "))}
		}
	}
	if sel.Shards != 0 && (sel.Shards < 1 || sel.Shard < 1 || sel.Shard > sel.Shards) {
		return &fielderr.Error{Kind: fault.ErrInvalid, Field: "Shard", Value: fmt.Sprintf("%d of %d", sel.Shard, sel.Shards),
			Problem: "give 1 <= Shard <= Shards"}
	}
	return nil
}

// Run runs the suite (see Run) and marks the report partial when the
// selection left scenarios out.
func (s *Suite) Run(ctx context.Context, opts Options) (*report.Run, error) {
	run, err := Run(ctx, s.Scenarios, opts)
	if run != nil {
		run.Partial = s.Partial
	}
	return run, err
}
