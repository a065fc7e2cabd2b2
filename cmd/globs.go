package cmd

import (
	"os"
	"path/filepath"
)

// globbed expands the patterns a shell left alone (quoted, or no shell, as
// in a CI step's argument list), as run and validate do; a name that
// exists, or a pattern that matches nothing, stays as given.
func globbed(args []string) []string {
	var out []string
	for _, a := range args {
		if _, err := os.Stat(a); err != nil {
			if m, _ := filepath.Glob(a); len(m) > 0 {
				out = append(out, m...)
				continue
			}
		}
		out = append(out, a)
	}
	return out
}
