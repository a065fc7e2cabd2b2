// Package english writes counted nouns the way a reader expects them:
// "1 file", "2 files", "0 entries".
//
//	english.Count(len(files), "file") // "1 file", "3 files"
//
// It knows the regular English plurals faultline's messages need (-s,
// -es after s, x, z, ch and sh, -ies after a consonant and y); an
// irregular noun is given both ways with [CountAs].
package english

import (
	"strconv"
	"strings"
)

// Count is n followed by noun, plural unless n is 1.
func Count(n int, noun string) string {
	return CountAs(n, noun, Plural(noun))
}

// CountAs is n followed by one or many, for nouns Plural does not know.
func CountAs(n int, one, many string) string {
	if n == 1 || n == -1 {
		return strconv.Itoa(n) + " " + one
	}
	return strconv.Itoa(n) + " " + many
}

// Plural is the regular plural of a noun: "file" "files", "entry"
// "entries", "match" "matches". For a phrase, its last word changes
// ("recorded interaction" "recorded interactions").
func Plural(noun string) string {
	switch {
	case strings.HasSuffix(noun, "y") && len(noun) > 1 && !strings.ContainsRune("aeiou", rune(noun[len(noun)-2])):
		return noun[:len(noun)-1] + "ies"
	case strings.HasSuffix(noun, "s"), strings.HasSuffix(noun, "x"), strings.HasSuffix(noun, "z"),
		strings.HasSuffix(noun, "ch"), strings.HasSuffix(noun, "sh"):
		return noun + "es"
	}
	return noun + "s"
}
