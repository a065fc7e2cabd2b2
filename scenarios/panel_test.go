package scenarios

import (
	"context"
	"flag"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/report"
)

// panelClient is one real HTTP client of the panel: how to run it, and the
// checks it fails per scenario, each with the reason that follows from the
// client's documented behaviour (its program's doc comment says which).
type panelClient struct {
	name  string
	argv  func(t *testing.T, bins string) []string // may t.Skip when the tool is absent
	only  []string                                 // the scenarios judged (nil: all of panelScenarios)
	fails map[string]pinned
}

type pinned struct {
	checks []string
	why    string
}

// panelOnly narrows the panel to some scenarios, for a targeted rerun:
//
//	go test -race -count=20 -run TestPanelOfRealClients ./scenarios/ -panel.only 'bad-day-*'
var panelOnly = flag.String("panel.only", "", "judge the panel on the scenarios whose name matches this glob only")

// panelScenarios are the library scenarios the panel judges: all but the
// webhook ones (a receiver, not a client), the auth and pagination ones
// (they need a client that implements the token flow or pagination, which
// the panel's plain HTTP clients do not) and the tls ones (they need a
// client that trusts the CA in FAULTLINE_CA_FILE, which the panel's clients
// do not read).
func panelScenarios(t *testing.T) []*Scenario {
	lib, err := Library()
	require.NoError(t, err)
	var out []*Scenario
	for _, sc := range lib {
		if slices.Contains(sc.Tags, "webhook") || strings.HasPrefix(sc.Name, "auth-") || strings.HasPrefix(sc.Name, "pagination-") ||
			strings.HasPrefix(sc.Name, "tls-") {
			continue
		}
		if ok, err := path.Match(*panelOnly, sc.Name); *panelOnly != "" && !ok {
			require.NoError(t, err, "-panel.only")
			continue
		}
		out = append(out, sc)
	}
	return out
}

// TestPanelOfRealClients runs the library against real HTTP clients that
// other people wrote (net/http, go-retryablehttp, resty, curl, Python's
// urllib in docs/clients/python_client.py) and asserts every verdict:
// exactly the pinned checks fail, every other check passes. The clients run
// at once, six scenarios each at a time; with -short it is skipped.
func TestPanelOfRealClients(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs real clients against the library")
	}
	all := panelScenarios(t)
	bins := buildPanel(t)
	for _, pc := range panel {
		t.Run(pc.name, func(t *testing.T) {
			argv := pc.argv(t, bins)
			t.Parallel()
			scs := all
			if pc.only != nil {
				scs = slices.DeleteFunc(slices.Clone(all), func(sc *Scenario) bool { return !slices.Contains(pc.only, sc.Name) })
			}
			run, err := Run(context.Background(), scs, Options{Exec: argv, Parallel: 6, Seed: 1})
			require.NoError(t, err)
			t.Logf("%s: %d scenarios in %s", pc.name, len(scs), run.Duration.Round(1e6))
			for _, sc := range run.Scenarios {
				t.Logf("%s: %s in %s", sc.Name, sc.Status, sc.Duration.Round(1e6))
				want := pc.fails[sc.Name]
				got := []string{}
				for _, c := range sc.Checks {
					switch {
					case c.Status == report.Failed:
						got = append(got, c.Name)
					case c.Name == "fallback_used":
						assert.Equal(t, report.Skipped, c.Status)
					}
				}
				sort.Strings(got)
				if !assert.Equal(t, sorted(want.checks), got, "%s with %s (pinned because: %s)", sc.Name, pc.name, want.why) {
					for _, c := range sc.Checks {
						t.Logf("  %s %s: expected %s, observed %s %s", c.Status, c.Name, c.Expected, c.Observed, c.Message)
					}
				}
			}
		})
	}
}

// buildPanel builds the Go panel clients into one folder.
func buildPanel(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	pkgs := []string{}
	for _, name := range []string{"nethttp", "retryablehttp", "resty", "curl"} {
		pkgs = append(pkgs, "github.com/faultline-dev/faultline/internal/testclients/panel/"+name)
	}
	out, err := exec.Command("go", append([]string{"build", "-o", dir + "/"}, pkgs...)...).CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return dir
}

func goPanel(name string) func(*testing.T, string) []string {
	return func(_ *testing.T, bins string) []string { return []string{filepath.Join(bins, name)} }
}

// interpreter finds a tool, resolving pyenv-style shims to the real
// program (a shim costs seconds per start on a loaded machine), or skips.
func interpreter(t *testing.T, name string, resolve ...string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed: the client that needs it is not run", name)
	}
	if len(resolve) > 0 {
		if out, err := exec.Command(path, resolve...).Output(); err == nil && strings.TrimSpace(string(out)) != "" {
			return strings.TrimSpace(string(out))
		}
	}
	return path
}

func docsClient(file string) string {
	p, _ := filepath.Abs(filepath.Join("..", "docs", "clients", file))
	return p
}
