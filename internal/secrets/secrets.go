// Package secrets knows what a credential looks like, so that every place
// faultline writes (the journal, cassettes, reports) hides the same things:
// by name (a header, parameter or field called token, secret, api_key,
// password, signature...) and by value (known key formats such as sk_live_,
// AKIA, ghp_, xox, JWTs and bearer tokens).
package secrets

import (
	"regexp"
	"strings"
	"unicode"
)

// Pattern is a known secret format.
type Pattern struct {
	Rule string // e.g. "stripe-key"
	RE   *regexp.Regexp
}

// Known are the secret formats recognised by value.
var Known = []Pattern{
	{"stripe-key", regexp.MustCompile(`\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{10,}`)},
	{"aws-access-key", regexp.MustCompile(`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`)},
	{"github-token", regexp.MustCompile(`\b(?:gh[pousr]_[0-9A-Za-z]{30,}|github_pat_[0-9A-Za-z_]{30,})`)},
	{"slack-token", regexp.MustCompile(`\bxox[abposr]-[0-9A-Za-z-]{10,}`)},
	{"jwt", regexp.MustCompile(`\beyJ[0-9A-Za-z_-]{4,}\.eyJ[0-9A-Za-z_-]{4,}\.[0-9A-Za-z_-]{4,}`)},
	{"bearer-token", regexp.MustCompile(`(?i)\bbearer\s+[0-9A-Za-z\-._~+/]{8,}=*`)},
	{"private-key", regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`)},
}

// hints are substrings one of which every Known match contains; a string
// with none of them skips the regular expressions.
var hints = []string{"sk_", "rk_", "AKIA", "ASIA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_",
	"xox", "eyJ", "earer", "EARER", "BEGIN"}

// MayHold reports cheaply whether s could contain a Known secret.
func MayHold(s string) bool {
	for _, h := range hints {
		if strings.Contains(s, h) {
			return true
		}
	}
	return false
}

// Mask replaces every Known secret in s with placeholder.
func Mask(s, placeholder string) string {
	if !MayHold(s) {
		return s
	}
	for _, p := range Known {
		s = p.RE.ReplaceAllString(s, placeholder)
	}
	return s
}

var sensitiveWords = map[string]bool{
	"token": true, "secret": true, "key": true, "apikey": true, "password": true,
	"passwd": true, "pwd": true, "passphrase": true, "signature": true,
	"credential": true, "authorization": true, "auth": true, "cookie": true,
	"jwt": true, "bearer": true,
}

var sensitiveSuffixes = []string{"token", "secret", "password", "passwd", "apikey", "signature", "credential", "accesskey", "privatekey"}

// notSecret are names that look sensitive but carry no credential.
var notSecret = map[string]bool{"idempotency-key": true}

// Name reports whether a header, query parameter or JSON field with this
// name holds a credential: X-Api-Key, client_secret, apiKey, Authorization,
// Cookie, pwd... but not Idempotency-Key.
func Name(name string) bool {
	lower := strings.ToLower(name)
	if notSecret[lower] {
		return false
	}
	joined := strings.Map(func(c rune) rune {
		if unicode.IsLetter(c) || unicode.IsDigit(c) {
			return c
		}
		return -1
	}, lower)
	for _, s := range sensitiveSuffixes {
		if strings.HasSuffix(joined, s) {
			return true
		}
	}
	for _, w := range Words(name) {
		if sensitiveWords[w] || sensitiveWords[strings.TrimSuffix(w, "s")] {
			return true
		}
	}
	return false
}

// Words splits "X-Api-Key", "client_secret" and "apiKey" into lower-case words.
func Words(name string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	prevLower := false
	for _, c := range name {
		switch {
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			flush()
			prevLower = false
			continue
		case unicode.IsUpper(c) && prevLower:
			flush()
		}
		cur = append(cur, c)
		prevLower = unicode.IsLower(c) || unicode.IsDigit(c)
	}
	flush()
	return out
}
