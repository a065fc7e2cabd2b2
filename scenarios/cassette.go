package scenarios

import (
	"net/http"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"github.com/faultline-dev/faultline/cassettes"
	"github.com/faultline-dev/faultline/internal/yamlx"
)

// cassettePath resolves a plan's cassette relative to the scenario file.
func cassettePath(sc *Scenario) string {
	p := sc.Plan.Cassette
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(sc.File), p)
}

// checkCassette loads the scenario's cassette once at load time, so a
// missing or corrupt recording is reported with the scenario's position.
func checkCassette(sc *Scenario, f *yamlx.File, upstream *yaml.Node) error {
	if sc.Plan.Cassette == "" {
		return nil
	}
	if _, err := cassettes.Load(cassettePath(sc)); err != nil {
		return yamlx.Errorf(f.Name, yamlx.At(upstream, "cassette"), "upstream.cassette: %v", err)
	}
	return nil
}

// cassetteBase is the handler a scenario's faults wrap: the cassette's
// replay when the upstream names one, else nil (stub routes only).
func cassetteBase(sc *Scenario) (http.Handler, error) {
	if sc.Plan.Cassette == "" {
		return nil, nil
	}
	c, err := cassettes.Load(cassettePath(sc))
	if err != nil {
		return nil, err
	}
	return cassettes.NewReplayer(c, cassettes.ReplayOptions{}), nil
}
