package scenarios

import (
	"errors"
	"fmt"
	"github.com/faultline-dev/faultline/fault"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// FileKind is what a YAML file found in a folder holds, judged from its
// top-level keys.
type FileKind string

// The kinds of YAML file a scenario folder may hold. Only scenarios run;
// validate checks scenarios and plans.
const (
	KindScenario FileKind = "scenario" // version/name/checks/client/upstream, or unreadable (so its errors are reported)
	KindPlan     FileKind = "plan"     // a bare fault plan: routes at the top level
	KindCassette FileKind = "cassette" // a recording: interactions at the top level
	KindOther    FileKind = "other"    // any other YAML mapping (a compose file, a CI config)
)

// Kind judges what the YAML document data holds.
func Kind(data []byte) FileKind {
	var top map[string]yaml.Node
	if yaml.Unmarshal(data, &top) != nil || len(top) == 0 {
		return KindScenario
	}
	has := func(keys ...string) bool {
		for _, k := range keys {
			if _, ok := top[k]; ok {
				return true
			}
		}
		return false
	}
	switch {
	case has("name", "checks", "client", "upstream"):
		return KindScenario
	case has("routes"):
		return KindPlan
	case has("interactions"):
		return KindCassette
	case has("version"):
		return KindScenario
	}
	return KindOther
}

// Files expands paths into YAML files, in order, each once: a file is
// itself; a folder is every *.yaml and *.yml below it, recursively and in
// lexical order, skipping folders named testdata or starting with . or _
// (as the go command does). A path that does not exist is an error.
func Files(paths []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, p := range paths {
		files, err := expand(p)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if !seen[filepath.Clean(f)] {
				seen[filepath.Clean(f)] = true
				out = append(out, f)
			}
		}
	}
	return out, nil
}

func expand(p string) ([]string, error) {
	st, err := os.Stat(p)
	if err != nil {
		// A pattern the shell left alone (quoted, or no shell): expand it here.
		if m, _ := filepath.Glob(p); len(m) > 0 && m[0] != p {
			return Files(m)
		}
		return nil, fmt.Errorf("%w: %s: no such file or directory", fault.ErrInvalid, p)
	}
	if !st.IsDir() {
		return []string{p}, nil
	}
	var files []string
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != p && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(path); ext == ".yaml" || ext == ".yml" {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", fault.ErrInvalid, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w: %s: no .yaml or .yml files in this folder or below", fault.ErrInvalid, p)
	}
	return files, nil
}

func skipDir(name string) bool {
	return name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// LoadPaths loads the scenarios that paths name: files named directly, and
// the scenario files below folders (plans, cassettes and other YAML beside
// them are left alone). Every invalid file is reported, joined, and so are
// two scenarios with one name.
func LoadPaths(paths []string) ([]*Scenario, error) {
	files, err := Files(paths)
	if err != nil {
		return nil, err
	}
	named := map[string]bool{}
	for _, p := range paths {
		named[filepath.Clean(p)] = true
	}
	var out []*Scenario
	var errs []error
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: %v", fault.ErrInvalid, err))
			continue
		}
		if !named[filepath.Clean(file)] && Kind(data) != KindScenario {
			continue
		}
		sc, err := Load(file, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, sc)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s: no scenario files found (plans and cassettes are not run)", fault.ErrInvalid, strings.Join(paths, " "))
	}
	return out, uniqueNames(out)
}
