package report

// Integration audit stages, lowest first. A scenario carries its stage as a
// tag; see [Maturity].
const (
	StageLight    = "light"
	StageFull     = "full"
	StageComplete = "complete"
)

// MaturityNone is what [Maturity] returns when stage-tagged scenarios exist
// but not even the light stage is reached.
const MaturityNone = "none"

var stages = [...]string{StageLight, StageFull, StageComplete}

// Stages returns the audit stages in ascending order: light, full, complete.
func Stages() []string { return append([]string(nil), stages[:]...) }

// Maturity returns the highest stage such that every scenario tagged with
// that stage or a lower one passed (skipped scenarios do not count against
// it) and at least one scenario of that very stage passed. It returns
// [MaturityNone] when no stage qualifies (for instance a light scenario
// failed), and "" when no scenario carries a stage tag at all.
//
// A scenario tagged with several stages belongs to each of them.
func Maturity(scs []Scenario) string {
	// failedAt[i]: some scenario of stage i failed; ran[i]: some
	// scenario of stage i passed.
	var failedAt, ran [len(stages)]bool
	tagged := false
	for i := range scs {
		st := outcome(&scs[i])
		for _, level := range stageLevels(scs[i].Tags) {
			tagged = true
			switch st {
			case Failed:
				failedAt[level] = true
			case Passed:
				ran[level] = true
			}
		}
	}
	if !tagged {
		return ""
	}
	best := MaturityNone
	for level, name := range stages {
		if failedAt[level] {
			break
		}
		if ran[level] {
			best = name
		}
	}
	return best
}

// stageLevels returns the indexes in stages of the stage tags among tags.
func stageLevels(tags []string) []int {
	var out []int
	for _, t := range tags {
		for level, name := range stages {
			if t == name {
				out = append(out, level)
			}
		}
	}
	return out
}

// RunMaturity is the run's maturity: none claimed ("") for a partial run,
// whose unrun stages could fail.
func (r *Run) RunMaturity() string {
	if r.Partial {
		return ""
	}
	return Maturity(r.Scenarios)
}
