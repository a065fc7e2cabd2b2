package scenarios

import (
	"net/http"

	"gopkg.in/yaml.v3"

	"github.com/faultline-dev/faultline/cassettes"
	"github.com/faultline-dev/faultline/internal/yamlx"
)

// cassettePath resolves the scenario's cassette relative to its file.
func cassettePath(sc *Scenario) string { return besideFile(sc.File, sc.Cassette) }

// loadCassette loads the scenario's cassette once, at load time, so a
// missing or corrupt recording is reported with the scenario's position.
func loadCassette(sc *Scenario, f *yamlx.File, upstream *yaml.Node) error {
	if sc.Cassette == "" {
		return nil
	}
	c, err := cassettes.Load(cassettePath(sc))
	if err != nil {
		return yamlx.Errorf(f.Name, yamlx.At(upstream, "cassette"), "upstream.cassette: %v", err)
	}
	sc.cassette = c
	return nil
}

// cassetteBase is the handler a scenario's faults wrap: the cassette's
// replay when the upstream names one, else nil (stub routes only). A
// scenario built in Go, not loaded, has its cassette read here.
func cassetteBase(sc *Scenario) (http.Handler, error) {
	if sc.Cassette == "" {
		return nil, nil
	}
	c := sc.cassette
	if c == nil {
		var err error
		if c, err = cassettes.Load(cassettePath(sc)); err != nil {
			return nil, err
		}
	}
	return cassettes.NewReplayer(c, cassettes.ReplayOptions{}), nil
}
