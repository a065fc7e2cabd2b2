package audit

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"
)

// ErrLoad wraps every failure to load the code under audit (a pattern that
// matches nothing, a package that does not build): bad input, exit 2.
var ErrLoad = errors.New("cannot load the code to audit")

// Finding is one rule broken at one place.
type Finding struct {
	Rule     string
	Severity Severity
	File     string // relative to Options.Dir when inside it
	Line     int
	Column   int
	Message  string // what was found, then what to do
	// Heuristic marks a finding of the Python/JavaScript token heuristics,
	// which see no types: read it with more suspicion than a Go finding.
	Heuristic bool
}

func (f Finding) String() string {
	kind := ""
	if f.Heuristic {
		kind = " (heuristic)"
	}
	return fmt.Sprintf("%s:%d:%d: %s [%s, %s%s]", f.File, f.Line, f.Column, f.Message, f.Rule, f.Severity, kind)
}

// Options says what to audit.
type Options struct {
	// Dir is where the paths are relative to; "" is the current directory.
	Dir string
	// Paths are Go package patterns or directories ("./...", "./cmd",
	// "../other/..."); "dir/..." also scans the Python and JavaScript
	// files under dir, "dir" those in it. Empty means "./...".
	Paths []string
}

// Result is what an audit found and how much it read.
type Result struct {
	Findings []Finding // sorted by file, line, column, rule
	Packages int       // Go packages analysed
	Scripts  int       // Python and JavaScript files read by the heuristics
	Duration time.Duration
	// Analysis is the part of Duration the Go analyzers took, the rest
	// being mostly go/packages loading the code (as go vet would).
	Analysis time.Duration
}

// Run audits the Go packages and the Python and JavaScript files that opts
// names. Test files (_test.go, test_*.py, *.test.js...) and testdata,
// vendor and node_modules directories are not audited: tests build bad
// clients on purpose.
func Run(opts Options) (*Result, error) {
	start := time.Now()
	dir, err := filepath.Abs(cmp.Or(opts.Dir, "."))
	if err != nil {
		return nil, err
	}
	paths := opts.Paths
	if len(paths) == 0 {
		paths = []string{"./..."}
	}
	res := &Result{}
	goFindings, npkg, err := auditGo(dir, paths, &res.Analysis)
	if err != nil {
		return nil, err
	}
	scriptFindings, nscripts, err := auditScripts(dir, paths)
	if err != nil {
		return nil, err
	}
	res.Findings = sortFindings(append(goFindings, scriptFindings...))
	res.Packages, res.Scripts, res.Duration = npkg, nscripts, time.Since(start)
	return res, nil
}

// auditGo loads the Go packages of paths, grouped by the module each lies
// in, and runs every analyzer over them.
func auditGo(dir string, paths []string, analysis *time.Duration) ([]Finding, int, error) {
	groups, order, err := groupByModule(dir, paths)
	if err != nil {
		return nil, 0, err
	}
	var out []Finding
	npkg := 0
	for _, root := range order {
		pkgs, err := load(root, groups[root])
		if err != nil {
			return nil, 0, err
		}
		if len(pkgs) == 0 {
			continue
		}
		npkg += len(pkgs)
		start := time.Now()
		graph, err := checker.Analyze(Analyzers(), pkgs, nil)
		*analysis += time.Since(start)
		if err != nil {
			return nil, 0, fmt.Errorf("%w: %v", ErrLoad, err)
		}
		for act := range graph.All() {
			if !act.IsRoot {
				continue
			}
			for _, d := range act.Diagnostics {
				pos := act.Package.Fset.Position(d.Pos)
				r, _ := RuleByID(d.Category)
				out = append(out, Finding{Rule: d.Category, Severity: r.Severity, File: relTo(dir, pos.Filename),
					Line: pos.Line, Column: pos.Column, Message: d.Message})
			}
		}
	}
	return out, npkg, nil
}

// load type-checks the packages matching patterns in the module at root.
// Dependencies come from export data, so only the audited code is parsed.
func load(root string, patterns []string) ([]*packages.Package, error) {
	cfg := &packages.Config{Dir: root, Mode: packages.LoadSyntax | packages.NeedModule}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrLoad, err)
	}
	first := ""
	count := 0
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			if first == "" {
				first = oneLineError(e)
			}
			count++
		}
	})
	if first != "" {
		return nil, fmt.Errorf("%w: %s (%d errors in all; `go build` shows them)", ErrLoad, first, count)
	}
	return pkgs, nil
}

// oneLineError is a package error as file:line:col: message, on one line
// (go list reports build errors as "# pkg" followed by lines of them).
func oneLineError(e packages.Error) string {
	for _, line := range strings.Split(e.Msg, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if e.Pos == "" || e.Pos == "-" {
			return line
		}
		return e.Pos + ": " + line
	}
	return e.Pos
}

// groupByModule maps each path to the module root holding it, as a
// pattern relative to that root, keeping the order roots first appear in.
func groupByModule(dir string, paths []string) (map[string][]string, []string, error) {
	groups := map[string][]string{}
	var order []string
	for _, p := range paths {
		base, recursive := strings.CutSuffix(filepath.ToSlash(p), "/...")
		if base == "..." {
			base, recursive = ".", true
		}
		abs := filepath.Join(dir, base)
		if filepath.IsAbs(base) {
			abs = base
		}
		info, err := os.Stat(abs)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %s: no such file or directory", ErrLoad, p)
		}
		if !info.IsDir() {
			if !strings.HasSuffix(abs, ".go") {
				continue // a script file: the heuristics read it
			}
			abs = filepath.Dir(abs)
		}
		if !recursive && !hasGoFiles(abs) {
			continue // a folder of scripts: the heuristics read it
		}
		root := moduleRoot(abs)
		if root == "" {
			if hasGoFiles(abs) {
				return nil, nil, fmt.Errorf("%w: %s is in no Go module (no go.mod above it)", ErrLoad, p)
			}
			continue // Python or JavaScript only: the heuristics read it
		}
		rel, _ := filepath.Rel(root, abs)
		pattern := "./" + filepath.ToSlash(rel)
		if recursive {
			pattern += "/..."
		}
		if groups[root] == nil {
			order = append(order, root)
		}
		groups[root] = append(groups[root], pattern)
	}
	return groups, order, nil
}

// hasGoFiles reports whether dir holds a .go file.
func hasGoFiles(dir string) bool {
	matches, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	return len(matches) > 0
}

// moduleRoot is the nearest directory at or above dir holding a go.mod.
func moduleRoot(dir string) string {
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// relTo is path relative to dir when it lies inside dir, else path.
func relTo(dir, path string) string {
	if rel, err := filepath.Rel(dir, path); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return path
}

// sortFindings orders findings by place and rule and drops repeats.
func sortFindings(fs []Finding) []Finding {
	slices.SortFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column),
			cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Message, b.Message))
	})
	return slices.Compact(fs)
}
