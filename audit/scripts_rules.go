package audit

import "strings"

// tokenize splits a Python ("python") or JavaScript/TypeScript ("js")
// source into tokens, and returns the comments by line.
func tokenize(lang, src string) ([]lexeme, map[int]string) {
	var toks []lexeme
	comments := map[int]string{}
	line, col, i := 1, 1, 0
	advance := func(n int) {
		for k := 0; k < n && i < len(src); k++ {
			if src[i] == '\n' {
				line, col = line+1, 1
			} else {
				col++
			}
			i++
		}
	}
	for i < len(src) {
		c := src[i]
		startLine, startCol := line, col
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			advance(1)
		case lang == "python" && c == '#', lang == "js" && strings.HasPrefix(src[i:], "//"):
			end := strings.IndexByte(src[i:], '\n')
			if end < 0 {
				end = len(src) - i
			}
			comments[startLine] = src[i : i+end]
			advance(end)
		case lang == "js" && strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				end = len(src) - i - 2
			}
			comments[startLine] = src[i : i+2+end]
			advance(end + 4)
		case c == '"' || c == '\'' || lang == "js" && c == '`':
			text, n := scanString(lang, src[i:])
			toks = append(toks, lexeme{'s', text, startLine, startCol})
			advance(n)
		case isIdentStart(c):
			n := 1
			for i+n < len(src) && isIdentPart(src[i+n]) {
				n++
			}
			word := src[i : i+n]
			if lang == "python" && i+n < len(src) && (src[i+n] == '"' || src[i+n] == '\'') && isStringPrefix(word) {
				text, m := scanString(lang, src[i+n:])
				toks = append(toks, lexeme{'s', text, startLine, startCol})
				advance(n + m)
				continue
			}
			toks = append(toks, lexeme{'i', word, startLine, startCol})
			advance(n)
		case c >= '0' && c <= '9':
			n := 1
			for i+n < len(src) && (isIdentPart(src[i+n]) || src[i+n] == '.') {
				n++
			}
			toks = append(toks, lexeme{'n', src[i : i+n], startLine, startCol})
			advance(n)
		default:
			toks = append(toks, lexeme{'p', string(c), startLine, startCol})
			advance(1)
		}
	}
	return toks, comments
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isIdentPart(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

func isStringPrefix(w string) bool {
	switch strings.ToLower(w) {
	case "r", "b", "u", "f", "rb", "br", "fr", "rf":
		return true
	}
	return false
}

// scanString reads the string literal at the start of s: its text without
// quotes (escapes kept as written) and its length in bytes.
func scanString(lang, s string) (string, int) {
	q := s[:1]
	if lang == "python" && (strings.HasPrefix(s, `"""`) || strings.HasPrefix(s, "'''")) {
		q = s[:3]
	}
	for k := len(q); k < len(s); k++ {
		switch {
		case s[k] == '\\':
			k++
		case strings.HasPrefix(s[k:], q):
			return s[len(q):k], k + len(q)
		case s[k] == '\n' && len(q) == 1 && q != "`":
			return s[len(q):k], k // unterminated: stop at the line's end
		}
	}
	return s[len(q):], len(s)
}

var requestsMethods = map[string]bool{"get": true, "post": true, "put": true, "patch": true, "delete": true,
	"head": true, "options": true, "request": true}

// timeouts: requests calls and urllib's urlopen without timeout=, httpx
// with timeout=None, and fetch without a signal.
func (h *heuristics) timeouts() {
	for i, t := range h.toks {
		if t.kind != 'i' {
			continue
		}
		switch {
		case h.lang == "python" && t.text == "requests" && h.is(i+1, ".") && len(h.toks) > i+3 &&
			requestsMethods[h.toks[i+2].text] && h.is(i+3, "("):
			args, _ := h.call(i + 3)
			if !hasKeyword(args, "timeout") && !hasKwargs(args) {
				h.add(t, RuleNoTimeout, "requests."+h.toks[i+2].text+"() without timeout= waits forever on a stalled server")
			}
		case h.lang == "python" && t.text == "urlopen" && h.is(i+1, "(") && (i == 0 || h.toks[i-1].text != "def"):
			args, _ := h.call(i + 1)
			if len(args) < 3 && !hasKeyword(args, "timeout") && !hasKwargs(args) {
				h.add(t, RuleNoTimeout, "urlopen() without timeout= waits forever on a stalled server (unless socket.setdefaulttimeout was called)")
			}
		case h.lang == "python" && t.text == "httpx" && h.is(i+1, ".") && len(h.toks) > i+3 && h.is(i+3, "("):
			args, _ := h.call(i + 3)
			if keywordValue(args, "timeout") == "None" {
				h.add(t, RuleNoTimeout, "httpx with timeout=None turns its default timeout off")
			}
		case h.lang == "js" && t.text == "fetch" && h.is(i+1, "(") && h.globalCall(i):
			if args, end := h.call(i + 1); !h.is(end+1, "{") && !h.is(end+1, ":") && fetchWithoutSignal(args) && !localURL(args) {
				h.add(t, RuleNoTimeout, "fetch() without a signal (e.g. AbortSignal.timeout(ms)) waits forever on a stalled server")
			}
		}
	}
}

// globalCall reports whether the identifier at i is called as a global
// function (fetch(...), window.fetch(...)), not a method of something else
// or a definition.
func (h *heuristics) globalCall(i int) bool {
	if i == 0 {
		return true
	}
	prev := h.toks[i-1]
	if prev.text == "function" || prev.text == "async" {
		return false
	}
	if prev.text != "." {
		return true
	}
	return i >= 2 && (h.toks[i-2].text == "window" || h.toks[i-2].text == "globalThis" || h.toks[i-2].text == "self")
}

// fetchWithoutSignal: one argument, or an options object literal with no
// signal and no spread; an options variable is given the benefit of the
// doubt.
func fetchWithoutSignal(args [][]lexeme) bool {
	if len(args) == 1 {
		return true
	}
	if len(args) < 2 || len(args[1]) == 0 || args[1][0].text != "{" {
		return false
	}
	for k, t := range args[1] {
		if t.kind == 'i' && t.text == "signal" || t.text == "." && k+2 < len(args[1]) && args[1][k+1].text == "." {
			return false
		}
	}
	return true
}

// localURL reports whether the first argument is a data: or blob: URL
// literal, which no server answers.
func localURL(args [][]lexeme) bool {
	if len(args) == 0 || len(args[0]) != 1 || args[0][0].kind != 's' {
		return false
	}
	u := strings.ToLower(args[0][0].text)
	return strings.HasPrefix(u, "data:") || strings.HasPrefix(u, "blob:")
}

func hasKeyword(args [][]lexeme, name string) bool {
	for _, a := range args {
		if len(a) >= 2 && a[0].kind == 'i' && a[0].text == name && a[1].text == "=" {
			return true
		}
	}
	return false
}

func hasKwargs(args [][]lexeme) bool {
	for _, a := range args {
		if len(a) >= 2 && a[0].text == "*" && a[1].text == "*" {
			return true
		}
	}
	return false
}

// keywordValue is the single token after name= in the arguments, or "".
func keywordValue(args [][]lexeme, name string) string {
	for _, a := range args {
		if len(a) == 3 && a[0].text == name && a[1].text == "=" {
			return a[2].text
		}
	}
	return ""
}

// tls: verify=False and ssl.CERT_NONE in Python; rejectUnauthorized: false
// and NODE_TLS_REJECT_UNAUTHORIZED=0 in JavaScript.
func (h *heuristics) tls() {
	for i, t := range h.toks {
		if t.kind != 'i' {
			continue
		}
		switch {
		case h.lang == "python" && t.text == "verify" && h.is(i+1, "=", "False"):
			h.add(t, RuleTLSInsecure, "verify=False accepts any certificate")
		case h.lang == "python" && t.text == "ssl" && h.is(i+1, ".", "CERT_NONE"):
			h.add(t, RuleTLSInsecure, "ssl.CERT_NONE accepts any certificate")
		case h.lang == "js" && t.text == "rejectUnauthorized" && (h.is(i+1, ":", "false") || h.is(i+1, "=", "false")):
			h.add(t, RuleTLSInsecure, "rejectUnauthorized: false accepts any certificate")
		case h.lang == "js" && t.text == "NODE_TLS_REJECT_UNAUTHORIZED" && h.is(i+1, "=") && i+2 < len(h.toks) &&
			h.toks[i+2].kind == 's' && h.toks[i+2].text == "0":
			h.add(t, RuleTLSInsecure, "NODE_TLS_REJECT_UNAUTHORIZED=0 turns certificate checks off for the whole process")
		}
	}
}

// credentials: string literals in a known key format, and key-shaped
// literals assigned (=, :) to a credential-named identifier or key.
func (h *heuristics) credentials() {
	for i, t := range h.toks {
		if t.kind != 's' {
			continue
		}
		if format, ok := knownCredential(t.text); ok {
			h.add(t, RuleCredential, "a string literal holds a "+format)
			continue
		}
		if i >= 2 && (h.toks[i-1].text == "=" || h.toks[i-1].text == ":") && h.toks[i-2].kind != 'p' &&
			!(i >= 3 && h.toks[i-3].text == "=") && namedCredential(h.toks[i-2].text, t.text) {
			h.add(t, RuleCredential, "a literal that looks like a key is assigned to "+h.toks[i-2].text)
		}
	}
}
