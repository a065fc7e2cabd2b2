package fault

import (
	"os"
	"regexp"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDocListsEveryFault: the package documentation's list of faults (the
// "  - name:" items of doc.go) is exactly what Kinds registers, each kind
// in its own file with its own test file.
func TestDocListsEveryFault(t *testing.T) {
	data, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	var listed []string
	for _, m := range regexp.MustCompile(`(?m)^//   - ([a-z_]+): `).FindAllSubmatch(data, -1) {
		listed = append(listed, string(m[1]))
	}
	sort.Strings(listed)
	assert.Equal(t, Kinds(), listed, "doc.go's list of faults")
	for _, k := range Kinds() {
		assert.FileExists(t, k+".go", "fault %s", k)
		assert.FileExists(t, k+"_test.go", "fault %s", k)
	}
}
