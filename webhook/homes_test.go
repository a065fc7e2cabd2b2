package webhook

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestWebhookHomes holds the import rules of the package doc's "Where
// webhook code lives": each part reaches only what lies below it.
func TestWebhookHomes(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH: cannot list the packages' dependencies")
	}
	const mod = "github.com/faultline-dev/faultline/"
	for _, rule := range []struct {
		pkg       string
		forbidden []string // exact import paths, or a prefix ending in "/"
		ours      []string // when set, the only packages of ours it may reach
	}{
		{pkg: "webhook", forbidden: []string{mod + "scenarios", mod + "cmd", mod + "resilience/receiver", "testing", "net/http/httptest"}},
		{pkg: "internal/webhooksig", ours: []string{}},
		{pkg: "resilience/receiver", ours: []string{"internal/webhooksig"}},
		{pkg: "fault", forbidden: []string{mod + "webhook", mod + "scenarios", mod + "resilience/receiver"}},
	} {
		out, err := exec.Command(goBin, "list", "-deps", mod+rule.pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", rule.pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, f := range rule.forbidden {
				if dep == f || strings.HasPrefix(dep, f+"/") {
					t.Errorf("%s imports %s (directly or not); see the package doc's \"Where webhook code lives\"", rule.pkg, dep)
				}
			}
			if rule.ours == nil || !strings.HasPrefix(dep, mod) || dep == mod+rule.pkg {
				continue
			}
			if !slices.Contains(rule.ours, strings.TrimPrefix(dep, mod)) {
				t.Errorf("%s reaches %s; of faultline it may import only %v", rule.pkg, dep, rule.ours)
			}
		}
	}
}
