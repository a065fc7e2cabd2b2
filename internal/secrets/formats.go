package secrets

import (
	"regexp"
	"sort"
	"strings"
)

// Pattern is a known secret format.
type Pattern struct {
	Rule string // e.g. "stripe-key"
	RE   *regexp.Regexp
	// Check, when set, confirms a match the expression cannot judge alone
	// (the Luhn check digit of a card number).
	Check func(string) bool
}

// Known are the secret formats recognised by value, wherever they appear.
var Known = []Pattern{
	{Rule: "private-key", RE: regexp.MustCompile(`-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----(?s:.*?)(?:-----END ([A-Z0-9 ]*)PRIVATE KEY-----|$)`)},
	{Rule: "stripe-key", RE: regexp.MustCompile(`\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{10,}`)},
	{Rule: "aws-access-key", RE: regexp.MustCompile(`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`)},
	{Rule: "github-token", RE: regexp.MustCompile(`\b(?:gh[pousr]_[0-9A-Za-z]{30,}|github_pat_[0-9A-Za-z_]{30,})`)},
	{Rule: "slack-token", RE: regexp.MustCompile(`\bxox[abposr]-[0-9A-Za-z-]{10,}`)},
	{Rule: "jwt", RE: regexp.MustCompile(`\beyJ[0-9A-Za-z_-]{4,}\.eyJ[0-9A-Za-z_-]{4,}\.[0-9A-Za-z_-]{4,}`)},
	{Rule: "bearer-token", RE: regexp.MustCompile(`(?i)\bbearer\s+[0-9A-Za-z\-._~+/]{8,}=*`), Check: notPlaceholderToken},
	// Card numbers of the major networks (Visa, Mastercard, Amex, Discover,
	// JCB, Diners), digits optionally grouped by spaces or dashes, that pass
	// the Luhn check. Other long digit runs (ids, timestamps) are left alone.
	{Rule: "card-number", RE: regexp.MustCompile(`\b(?:4\d{3}|5[1-5]\d{2}|2[2-7]\d{2}|6011|65\d{2}|35\d{2}|3[47]\d{2}|3[068]\d{2})(?:[ -]?\d{2,4}){3,4}\b`), Check: luhn},
}

// hints are substrings one of which every Known match contains; a string
// with none of them and no digit run skips the regular expressions.
var hints = []string{"PRIVATE KEY", "sk_", "rk_", "AKIA", "ASIA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_",
	"xox", "eyJ", "earer", "EARER"}

// hintsByFirst are the hints by their first byte, so that MayHold reads s
// once instead of once per hint (it runs on every request's path).
var hintsByFirst = func() (t [256][]string) {
	for _, h := range hints {
		t[h[0]] = append(t[h[0]], h)
	}
	return t
}()

// cardDigits is the shortest run of digits (spaces and dashes between them
// allowed) that may be a card number.
const cardDigits = 13

// MayHold reports cheaply whether s could contain a Known secret: one of
// the hints, or a run of cardDigits digits.
func MayHold(s string) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		for _, h := range hintsByFirst[c] {
			if strings.HasPrefix(s[i:], h) {
				return true
			}
		}
		switch {
		case c >= '0' && c <= '9':
			run++
			if run >= cardDigits {
				return true
			}
		case c == ' ' || c == '-':
		default:
			run = 0
		}
	}
	return false
}

// Match is a secret found in a text, at s[Start:End].
type Match struct {
	Rule       string
	Start, End int
}

// Find returns every Known secret in s, in order, without overlaps (the
// earlier and longer match wins).
func Find(s string) []Match {
	if !MayHold(s) {
		return nil
	}
	var all []Match
	for _, p := range Known {
		for _, loc := range p.RE.FindAllStringIndex(s, -1) {
			if p.Check == nil || p.Check(s[loc[0]:loc[1]]) {
				all = append(all, Match{Rule: p.Rule, Start: loc[0], End: loc[1]})
			}
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].Start != all[j].Start {
			return all[i].Start < all[j].Start
		}
		return all[i].End > all[j].End
	})
	out := all[:0]
	end := -1
	for _, m := range all {
		if m.Start >= end {
			out = append(out, m)
			end = m.End
		}
	}
	return out
}

// Mask replaces every Known secret in s with placeholder.
func Mask(s, placeholder string) string {
	ms := Find(s)
	if len(ms) == 0 {
		return s
	}
	var b strings.Builder
	at := 0
	for _, m := range ms {
		b.WriteString(s[at:m.Start])
		b.WriteString(placeholder)
		at = m.End
	}
	b.WriteString(s[at:])
	return b.String()
}

// notPlaceholderToken rejects "Bearer REDACTED" and the like.
func notPlaceholderToken(m string) bool {
	f := strings.Fields(m)
	return !IsPlaceholder(f[len(f)-1])
}

// luhn reports whether the digits of s pass the Luhn check.
func luhn(s string) bool {
	sum, n := 0, 0
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if c < '0' || c > '9' {
			continue
		}
		d := int(c - '0')
		if n%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		n++
	}
	return n >= 13 && n <= 19 && sum%10 == 0
}
