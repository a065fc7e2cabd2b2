package cmd

import (
	"path"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/scenarios"
)

func TestReproduceSelectsExactlyItsScenario(t *testing.T) {
	sc := &scenarios.Scenario{Name: "pay [v2] *fast*", File: "x.yaml"}
	cmd := runCommand(&runOptions{seed: 3, bind: "127.0.0.1"}, sc)
	assert.Contains(t, cmd, `--only 'pay \[v2\] \*fast\*'`)
	ok, err := path.Match(globEscape(sc.Name), sc.Name)
	require.NoError(t, err)
	assert.True(t, ok, "the printed pattern matches the name")
	other, _ := path.Match(globEscape(sc.Name), "pay v slowfast")
	assert.False(t, other)
}

// One builder writes the run's command and each scenario's: the scenario's
// keeps the client and listen flags and the seed, and selects it alone.
func TestRunCommand(t *testing.T) {
	o := &runOptions{paths: []string{"suite/", "my dir"}, only: "retry-*", tags: []string{"retry", "full"}, shard: "2/4",
		seed: 9, exec: "./client --fast", bind: "0.0.0.0", advertise: "http://host.docker.internal", port: 8080,
		audit: []string{"./..."}}
	assert.Equal(t, "faultline run suite/ 'my dir' --only 'retry-*' --tags retry,full --shard 2/4 --seed 9 "+
		"--exec './client --fast' --bind 0.0.0.0 --advertise 'http://host.docker.internal' --port 8080 --audit ./...",
		runCommand(o, nil))
	assert.Equal(t, "faultline run suite/a.yaml --only retry-once --seed 9 "+
		"--exec './client --fast' --bind 0.0.0.0 --advertise 'http://host.docker.internal' --port 8080",
		runCommand(o, &scenarios.Scenario{Name: "retry-once", File: "suite/a.yaml"}))
	assert.Equal(t, "faultline run --only first-503s-then-ok --seed 9 --exec './client --fast' --bind 0.0.0.0 "+
		"--advertise 'http://host.docker.internal' --port 8080",
		runCommand(o, &scenarios.Scenario{Name: "first-503s-then-ok", File: scenarios.LibraryPrefix + "retry.yaml"}),
		"a built-in scenario is found without a path")
	assert.Equal(t, "faultline run --seed 1", runCommand(&runOptions{seed: 1, bind: "127.0.0.1"}, nil), "defaults are left out")
}
