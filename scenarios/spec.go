package scenarios

import (
	"net/http"
	"path/filepath"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/faultline-dev/faultline/contract"
	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/internal/yamlx"
)

// specPath resolves the scenario's spec relative to its file.
func specPath(sc *Scenario) string { return besideFile(sc.File, sc.Spec) }

// specs caches loaded specs by path: many scenarios share one spec, and a
// large one takes seconds to load.
var specs sync.Map // string -> *specEntry

type specEntry struct {
	once sync.Once
	spec *contract.Spec
	err  error
}

func loadSpec(path string) (*contract.Spec, error) {
	key := path
	if !strings.HasPrefix(path, LibraryPrefix) {
		if abs, err := filepath.Abs(path); err == nil {
			key = abs
		}
	}
	e, _ := specs.LoadOrStore(key, &specEntry{})
	ent := e.(*specEntry)
	ent.once.Do(func() {
		if data, err := libraryFS.ReadFile(strings.TrimPrefix(path, "scenarios/")); err == nil && strings.HasPrefix(path, LibraryPrefix) {
			ent.spec, ent.err = contract.LoadData(path, data) // a built-in scenario's spec, embedded
			return
		}
		ent.spec, ent.err = contract.Load(path)
	})
	return ent.spec, ent.err
}

// checkSpec loads the scenario's spec at load time, so a missing or broken
// spec is reported at the scenario's position.
func checkSpec(sc *Scenario, f *yamlx.File, upstream *yaml.Node) error {
	at := yamlx.At(upstream, "spec")
	if sc.Spec == "" {
		return nil
	}
	if sc.Cassette != "" {
		return yamlx.Errorf(f.Name, at, "upstream: give spec or cassette, not both (one base handler answers what routes do not)")
	}
	if _, err := loadSpec(specPath(sc)); err != nil {
		return yamlx.Errorf(f.Name, at, "upstream.spec: %v", err)
	}
	return nil
}

// upstreamBase is the handler a scenario's faults wrap (the cassette's
// replay or the spec's mock, else nil for stub routes only) and the
// options that judge every request against the spec.
func upstreamBase(sc *Scenario, seed int64) (http.Handler, []fault.Option, error) {
	if sc.Spec == "" {
		base, err := cassetteBase(sc)
		return base, nil, err
	}
	spec, err := loadSpec(specPath(sc))
	if err != nil {
		return nil, nil, err
	}
	return spec.Handler(seed), []fault.Option{fault.WithInspect(spec.Inspect), fault.WithMutator(spec)}, nil
}
