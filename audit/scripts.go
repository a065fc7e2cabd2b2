package audit

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// The Python and JavaScript/TypeScript checks are heuristics on the token
// level: a small tokenizer drops comments and reads string literals, and
// the rules look at call shapes (requests.get(...) without timeout=, fetch
// without a signal) with no types and no data flow. Their findings are
// marked Heuristic and their messages start with "heuristic:".

// scriptLang is the language of a script file, by extension.
func scriptLang(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".py":
		return "python"
	case ".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx":
		if strings.HasSuffix(name, ".min.js") || strings.HasSuffix(name, ".d.ts") {
			return ""
		}
		return "js"
	}
	return ""
}

// skippedDir are directories no audit reads: tests' fixtures, other
// people's code, build output.
var skippedDir = map[string]bool{
	"testdata": true, "vendor": true, "node_modules": true, ".git": true, "__pycache__": true,
	".venv": true, "venv": true, "dist": true, "build": true, "tests": true, "test": true, "__tests__": true,
}

// isScriptTest reports whether a script file is a test by its name.
func isScriptTest(name string) bool {
	base := strings.ToLower(filepath.Base(name))
	return strings.HasPrefix(base, "test_") || strings.HasSuffix(base, "_test.py") || base == "conftest.py" ||
		strings.Contains(base, ".test.") || strings.Contains(base, ".spec.")
}

// auditScripts runs the heuristics over the script files paths name.
func auditScripts(dir string, paths []string) ([]Finding, int, error) {
	files, err := scriptFiles(dir, paths)
	if err != nil {
		return nil, 0, err
	}
	var out []Finding
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, 0, fmt.Errorf("%w: %v", ErrLoad, err)
		}
		for _, fd := range scanScript(scriptLang(f), src) {
			fd.File = relTo(dir, f)
			out = append(out, fd)
		}
	}
	return out, len(files), nil
}

// maxScriptSize bounds what the heuristics read of one file: larger files
// are bundles or generated code.
const maxScriptSize = 1 << 20

func scriptFiles(dir string, paths []string) ([]string, error) {
	seen := map[string]bool{}
	var files []string
	add := func(path string, size int64) {
		if scriptLang(path) != "" && !isScriptTest(path) && size <= maxScriptSize && !seen[path] {
			seen[path] = true
			files = append(files, path)
		}
	}
	for _, p := range paths {
		base, recursive := strings.CutSuffix(filepath.ToSlash(p), "/...")
		if base == "..." {
			base, recursive = ".", true
		}
		abs := base
		if !filepath.IsAbs(base) {
			abs = filepath.Join(dir, base)
		}
		err := filepath.WalkDir(abs, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if path != abs && (!recursive || skippedDir[d.Name()] || strings.HasPrefix(d.Name(), ".")) {
					return filepath.SkipDir
				}
				return nil
			}
			if info, err := d.Info(); err == nil {
				add(path, info.Size())
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrLoad, err)
		}
	}
	return files, nil
}

// lexeme is one lexical token of a script.
type lexeme struct {
	kind byte // 'i' identifier or keyword, 's' string (text unquoted), 'n' number, 'p' punctuation
	text string
	line int
	col  int
}

// scanScript tokenizes src and applies the heuristics of lang.
func scanScript(lang string, src []byte) []Finding {
	toks, comments := tokenize(lang, string(src))
	h := &heuristics{lang: lang, toks: toks, comments: comments}
	h.timeouts()
	h.tls()
	h.credentials()
	h.badSuppressions()
	return h.out
}

type heuristics struct {
	lang     string
	toks     []lexeme
	comments map[int]string // comment text by line
	out      []Finding
}

func (h *heuristics) add(t lexeme, rule, found string) {
	if h.suppressed(t.line, rule) {
		return
	}
	r, _ := RuleByID(rule)
	h.out = append(h.out, Finding{Rule: rule, Severity: r.Severity, Line: t.line, Column: t.col,
		Message: "heuristic: " + found + ": " + r.Fix, Heuristic: true})
}

// suppressed reports whether a well-formed faultline:ignore comment for
// rule sits on line or the line above.
func (h *heuristics) suppressed(line int, rule string) bool {
	for _, l := range []int{line, line - 1} {
		if text, ok := ignoreText(h.comments[l]); ok {
			if r, _, problem := checkIgnore(text); problem == "" && r == rule {
				return true
			}
		}
	}
	return false
}

func (h *heuristics) badSuppressions() {
	for line, c := range h.comments {
		if text, ok := ignoreText(c); ok {
			if _, _, problem := checkIgnore(text); problem != "" {
				r, _ := RuleByID(RuleIgnore)
				h.out = append(h.out, Finding{Rule: RuleIgnore, Severity: r.Severity, Line: line, Column: 1,
					Message: "heuristic: " + strings.Replace(problem, "//", "", 1), Heuristic: true})
			}
		}
	}
}

// call returns the argument tokens of a call whose '(' is at toks[open],
// split at top-level commas, and the index of its ')'.
func (h *heuristics) call(open int) (args [][]lexeme, end int) {
	depth := 0
	var cur []lexeme
	for i := open; i < len(h.toks); i++ {
		t := h.toks[i]
		if t.kind == 'p' {
			switch t.text {
			case "(", "[", "{":
				depth++
				if depth == 1 {
					continue
				}
			case ")", "]", "}":
				depth--
				if depth == 0 {
					if len(cur) > 0 {
						args = append(args, cur)
					}
					return args, i
				}
			case ",":
				if depth == 1 {
					args = append(args, cur)
					cur = nil
					continue
				}
			}
		}
		cur = append(cur, t)
	}
	return args, len(h.toks)
}

// is reports whether the tokens from i spell words (identifiers or
// punctuation, compared exactly).
func (h *heuristics) is(i int, words ...string) bool {
	if i < 0 || i+len(words) > len(h.toks) {
		return false
	}
	for k, w := range words {
		if t := h.toks[i+k]; t.kind == 's' || t.text != w {
			return false
		}
	}
	return true
}
