package scenarios

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
)

//go:embed library/*.yaml library/specs/*.yaml
var libraryFS embed.FS

// LibraryPrefix is the file name prefix of built-in scenarios in reports;
// the same files are readable in the repository under scenarios/library/.
const LibraryPrefix = "scenarios/library/"

// Library loads the built-in scenario library embedded in the binary.
func Library() ([]*Scenario, error) {
	names, err := fs.Glob(libraryFS, "library/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []*Scenario
	for _, n := range names {
		data, err := libraryFS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		sc, err := Load("scenarios/"+n, data)
		if err != nil {
			return nil, fmt.Errorf("built-in scenario: %w", err)
		}
		out = append(out, sc)
	}
	return out, uniqueNames(out)
}
