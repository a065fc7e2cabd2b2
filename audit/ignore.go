package audit

import (
	"go/ast"
	"go/token"
	"reflect"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// ignoreDirective starts a suppression comment: //faultline:ignore RULE reason.
const ignoreDirective = "faultline:ignore"

// suppressions are the //faultline:ignore comments of one package, by file
// name and line. A comment suppresses its rule on its own line and on the
// line below it.
type suppressions map[string]map[int][]string

// suppressed reports whether a finding of rule at pos is suppressed.
func (s suppressions) suppressed(fset *token.FileSet, pos token.Pos, rule string) bool {
	p := fset.Position(pos)
	lines := s[p.Filename]
	for _, line := range []int{p.Line, p.Line - 1} {
		for _, r := range lines[line] {
			if r == rule {
				return true
			}
		}
	}
	return false
}

// ignoreAnalyzer collects the suppression comments every rule analyzer
// consults, and reports the malformed ones: without a reason, or naming no
// known rule. A malformed comment suppresses nothing.
var ignoreAnalyzer = &analysis.Analyzer{
	Name:       "faultlineignore",
	Doc:        "collects and checks //faultline:ignore RULE reason comments",
	Run:        runIgnore,
	ResultType: reflect.TypeOf(suppressions(nil)),
}

func runIgnore(pass *analysis.Pass) (any, error) {
	s := suppressions{}
	for _, f := range pass.Files {
		for _, group := range f.Comments {
			for _, c := range group.List {
				rule, ok := parseIgnore(pass, c)
				if !ok {
					continue
				}
				p := pass.Fset.Position(c.Slash)
				if s[p.Filename] == nil {
					s[p.Filename] = map[int][]string{}
				}
				s[p.Filename][p.Line] = append(s[p.Filename][p.Line], rule)
			}
		}
	}
	return s, nil
}

// parseIgnore reads one comment; it reports a malformed suppression and
// returns ok only for a well-formed one.
func parseIgnore(pass *analysis.Pass, c *ast.Comment) (rule string, ok bool) {
	text, found := ignoreText(c.Text)
	if !found {
		return "", false
	}
	rule, _, problem := checkIgnore(text)
	if problem != "" {
		pass.Report(analysis.Diagnostic{Pos: c.Slash, Category: RuleIgnore, Message: problem})
		return "", false
	}
	return rule, true
}

// ignoreText returns what follows the directive in a comment (// or #
// style), and whether the comment is a suppression at all.
func ignoreText(comment string) (string, bool) {
	for _, lead := range []string{"//", "#", "/*"} {
		if rest, ok := strings.CutPrefix(comment, lead); ok {
			rest = strings.TrimSuffix(strings.TrimSpace(rest), "*/")
			text, found := strings.CutPrefix(strings.TrimSpace(rest), ignoreDirective)
			if found && text != "" && text[0] != ' ' && text[0] != '\t' {
				return "", false // faultline:ignored, faultline:ignore-x: another word
			}
			return text, found
		}
	}
	return "", false
}

// checkIgnore splits "RULE reason..." and says what is wrong with it, if
// anything.
func checkIgnore(text string) (rule, reason, problem string) {
	text, _, _ = strings.Cut(text, "//") // a trailing comment is not a reason
	text, _, _ = strings.Cut(text, " #")
	fields := strings.Fields(text)
	if len(fields) == 0 {
		return "", "", "//faultline:ignore names no rule: write //faultline:ignore RULE reason"
	}
	rule = fields[0]
	if _, known := RuleByID(rule); !known || rule == RuleIgnore {
		return "", "", "//faultline:ignore " + rule + ": no such rule; the rules are " + ruleIDs()
	}
	if len(fields) < 2 {
		return "", "", "//faultline:ignore " + rule + " needs a reason: say why the rule does not apply here"
	}
	return rule, strings.Join(fields[1:], " "), ""
}

// ruleIDs lists the ids a suppression can name.
func ruleIDs() string {
	var ids []string
	for _, r := range ruleTable {
		if r.ID != RuleIgnore {
			ids = append(ids, r.ID)
		}
	}
	return strings.Join(ids, ", ")
}
