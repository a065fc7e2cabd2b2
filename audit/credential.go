package audit

import (
	"math"
	"strings"
	"unicode"

	"github.com/faultline-dev/faultline/internal/secrets"
)

// knownCredential returns the secret format (shared with internal/secrets,
// which masks the same formats in journals and cassettes) that value holds,
// skipping obvious placeholders such as sk_test_xxxxxxxxxxxx or
// AKIAIOSFODNN7EXAMPLE.
func knownCredential(value string) (format string, ok bool) {
	for _, m := range secrets.Find(value) {
		found := value[m.Start:m.End]
		if !placeholder(found) && (m.Rule != "bearer-token" || bearerToken(found)) {
			return m.Rule, true
		}
	}
	return "", false
}

// bearerToken reports whether "Bearer X" holds a token rather than a word
// ("bearer credential for Bedrock" in an error message): X is 16 or more
// characters with letters and digits and enough entropy.
func bearerToken(m string) bool {
	fields := strings.Fields(m)
	tok := fields[len(fields)-1]
	return len(tok) >= 16 && strings.ContainsAny(tok, "0123456789") &&
		strings.IndexFunc(tok, unicode.IsLetter) >= 0 && entropy(tok) >= 3.0
}

// namedCredential reports whether a literal assigned to an identifier,
// field or header called name is a credential: the name says so (apiKey,
// client_secret, X-Api-Key, but not tokenURL or secretEnv) and the value
// looks like a generated key rather than a word, a path, an environment
// variable's name or a placeholder.
func namedCredential(name, value string) bool {
	if !secrets.Name(name) {
		return false
	}
	words := secrets.Words(name)
	if len(words) > 0 && notCredentialTail[words[len(words)-1]] {
		return false
	}
	return looksLikeKey(value)
}

// notCredentialTail are last words of names that hold something about a
// credential (where it is, what it is called) rather than the credential.
var notCredentialTail = map[string]bool{
	"url": true, "uri": true, "endpoint": true, "id": true, "ids": true, "name": true, "names": true,
	"header": true, "headers": true, "env": true, "var": true, "file": true, "path": true, "prefix": true,
	"suffix": true, "type": true, "kind": true, "len": true, "length": true, "size": true, "field": true,
	"param": true, "format": true, "pattern": true, "regexp": true, "re": true, "placeholder": true,
	"mask": true, "label": true, "scheme": true, "version": true, "count": true, "dir": true, "algorithm": true,
	"alg": true, "method": true, "location": true, "help": true, "usage": true, "description": true, "desc": true,
	"msg": true, "message": true, "text": true, "template": true, "query": true, "flag": true, "tag": true,
}

// looksLikeKey reports whether s has the shape of a generated key: 16 to
// 256 characters of a key alphabet, letters and digits mixed, not an
// UPPER_SNAKE environment variable name, not a placeholder, and enough
// entropy per character.
func looksLikeKey(s string) bool {
	if len(s) < 16 || len(s) > 256 || placeholder(s) {
		return false
	}
	letters, digits, lower := 0, 0, 0
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z':
			letters++
			lower++
		case c >= 'A' && c <= 'Z':
			letters++
		case c >= '0' && c <= '9':
			digits++
		case strings.ContainsRune("_-+=~", c):
		default:
			return false // spaces, dots, slashes, colons: prose, paths, URLs, hosts
		}
	}
	if letters == 0 || digits == 0 || lower == 0 || wordsAndNumbers(s) {
		return false
	}
	return entropy(s) >= 3.0
}

// wordsAndNumbers reports whether s is words and numbers joined by - or _
// (X-Hub-Signature-256, X-Shopify-Hmac-Sha256): a name, not a key.
func wordsAndNumbers(s string) bool {
	parts := strings.FieldsFunc(s, func(c rune) bool { return c == '-' || c == '_' })
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts {
		word := strings.TrimRightFunc(p, unicode.IsDigit) // Sha256, v2, 256
		if strings.IndexFunc(word, func(c rune) bool { return !unicode.IsLetter(c) }) >= 0 {
			return false
		}
	}
	return true
}

// placeholder reports whether s is an obvious stand-in for a key.
func placeholder(s string) bool {
	l := strings.ToLower(s)
	for _, w := range []string{"xxxx", "example", "your", "placeholder", "changeme", "redacted", "dummy",
		"fake", "sample", "abcdefgh", "12345678", "<", "..."} {
		if strings.Contains(l, w) {
			return true
		}
	}
	run := 1
	for i := 1; i < len(s); i++ {
		if s[i] == s[i-1] {
			if run++; run >= 6 {
				return true
			}
		} else {
			run = 1
		}
	}
	return false
}

// entropy is the Shannon entropy of s in bits per character.
func entropy(s string) float64 {
	counts := map[rune]int{}
	n := 0
	for _, c := range s {
		counts[c]++
		n++
	}
	h := 0.0
	for _, k := range counts {
		p := float64(k) / float64(n)
		h -= p * math.Log2(p)
	}
	return h
}
