package audit

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRepositoryAuditsClean audits faultline itself: it must stay clean,
// with a reasoned //faultline:ignore where it breaks a rule on purpose (the
// naive test client has no timeout by design). It costs a package load
// (about 4 s on 2 busy cores) and reads no clock or network.
func TestRepositoryAuditsClean(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the whole repository; skipped with -short")
	}
	res, err := Run(Options{Dir: "..", Paths: []string{"./..."}})
	require.NoError(t, err)
	require.Greater(t, res.Packages, 10)
	for _, f := range res.Findings {
		t.Errorf("%s\n\tfix it, or add //faultline:ignore %s <why it does not apply> on the line or the line above", f, f.Rule)
	}
}
