// Package secrets is faultline's one secret policy: what a credential looks
// like, and what replaces it. Every place faultline writes (cassettes, the
// upstream's journal and request log, the reference client's logs and
// errors, reports) hides the same things, with the same Placeholder.
//
// # By name, by type
//
// A header, query parameter or field holds a credential when its name says
// so ([Name]: Authorization, X-Api-Key, client_secret, apiKey, password,
// pwd, X-Vault-Token...) and its value has the type of one ([Value]): a
// string, not a number, a boolean, empty, several lines of prose, or a
// placeholder someone already put there. So `max_tokens: 4000`,
// `Access-Control-Allow-Credentials: true` and `token_type: service` are
// kept, and a Vault `auth` object keeps its structure while its
// client_token goes. Idempotency-Key and zipcode are not credentials. In
// URLs, OAuth's `code` and Azure SAS's `sig` are credentials too
// ([QueryName]).
//
// # By format
//
// Values in a known format are secrets wherever they appear ([Mask],
// [Find]): Stripe, AWS, GitHub and Slack keys, JWTs, bearer tokens, whole
// PEM private key blocks (BEGIN to END, or to the end of the text when the
// END line is missing), and card numbers that pass the Luhn check.
//
// # Placeholders
//
// Placeholder ("[REDACTED]") replaces every secret faultline removes. Values
// that are already placeholders (REDACTED, ***, [REDACTED], <token>,
// replace_with_..., test-...) are not secrets: [IsPlaceholder].
package secrets

import (
	"maps"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
)

// Placeholder replaces every secret faultline removes, in cassettes, the
// journal and logs alike.
const Placeholder = "[REDACTED]"

// sensitiveWords make a name sensitive when the name ends with one of them.
var sensitiveWords = map[string]bool{
	"token": true, "secret": true, "key": true, "apikey": true, "password": true,
	"passwd": true, "pwd": true, "passphrase": true, "signature": true,
	"credential": true, "credentials": true, "authorization": true, "auth": true,
	"cookie": true, "jwt": true, "bearer": true, "pass": true,
}

// sensitiveSuffixes catch names written as one word (xapikey, clientsecret).
var sensitiveSuffixes = []string{"token", "secret", "password", "passwd", "apikey", "signature", "credential", "credentials", "accesskey", "privatekey"}

// notSecret are names that look sensitive but carry no credential.
var notSecret = map[string]bool{"idempotency-key": true, "idempotency_key": true, "idempotencykey": true,
	"primary_key": true, "primarykey": true, "foreign_key": true, "sort_key": true, "partition_key": true,
	"cache_key": true, "cachekey": true, "public_key": true, "publickey": true,
	"key": true} // a bare "key" is a tag or map key in bodies; in URLs it is one (QueryName)

// Name reports whether a header, query parameter or body field with this
// name holds a credential: X-Api-Key, client_secret, apiKey, Authorization,
// Cookie, pwd... but not Idempotency-Key, max_tokens or token_type, whose
// last word says they describe a credential rather than hold one.
func Name(name string) bool {
	if m := names.Load(); m != nil {
		if v, ok := (*m)[name]; ok {
			return v
		}
	}
	v := isSecretName(name)
	remember(name, v)
	return v
}

// names remembers Name's answers for the first names asked about (a
// server's journal asks about the same few headers on every request): an
// immutable map, replaced whole, so a lookup takes no lock.
var (
	names   atomic.Pointer[map[string]bool]
	namesMu sync.Mutex
)

const maxRemembered = 256

func remember(name string, v bool) {
	namesMu.Lock()
	defer namesMu.Unlock()
	old := names.Load()
	if old != nil && len(*old) >= maxRemembered {
		return
	}
	m := make(map[string]bool, 1+len(namesOrNil(old)))
	maps.Copy(m, namesOrNil(old))
	m[strings.Clone(name)] = v
	names.Store(&m)
}

func namesOrNil(m *map[string]bool) map[string]bool {
	if m == nil {
		return nil
	}
	return *m
}

func isSecretName(name string) bool {
	lower := strings.ToLower(name)
	if notSecret[lower] {
		return false
	}
	words := Words(name)
	for len(words) > 0 && strings.Trim(words[len(words)-1], "0123456789") == "" {
		words = words[:len(words)-1] // X-Hub-Signature-256
	}
	if len(words) == 0 {
		return false
	}
	if sensitiveWords[words[len(words)-1]] {
		return true
	}
	if len(words) > 1 {
		return false // a descriptor last: token_type, secret_name, key_id, max_tokens
	}
	for _, s := range sensitiveSuffixes {
		if strings.HasSuffix(words[0], s) {
			return true
		}
	}
	return false
}

// urlOnly are query parameter names that carry a credential in URLs only:
// OAuth's authorization code, Azure's shared access signature.
var urlOnly = map[string]bool{"code": true, "sig": true, "key": true, "x-amz-signature": true, "x-amz-credential": true, "x-amz-security-token": true}

// QueryName is Name for query (and path) parameters, whose names may be
// percent-encoded (api%5Fkey) and where `code` and `sig` are credentials.
func QueryName(name string) bool {
	if n, err := unescape(name); err == nil {
		name = n
	}
	return urlOnly[strings.ToLower(name)] || Name(name)
}

// Value reports whether v, found under a sensitive name, has the type of a
// credential: a string of one line that is not empty, a number, a boolean,
// null, or a placeholder. Several lines are prose or a script (a key inside
// is found by its format).
func Value(v string) bool {
	t := strings.TrimSpace(v)
	if t == "" || strings.ContainsAny(t, "\n") || IsPlaceholder(t) {
		return false
	}
	switch strings.ToLower(t) {
	case "true", "false", "null", "nil", "none", "yes", "no":
		return false
	}
	if _, err := strconv.ParseFloat(t, 64); err == nil {
		return false
	}
	return true
}

// String is Value for a string whose type is known, a JSON string: any
// one-line string that is not empty or a placeholder, "999" included.
func String(v string) bool {
	t := strings.TrimSpace(v)
	return t != "" && !strings.Contains(t, "\n") && !IsPlaceholder(t)
}

// IsPlaceholder reports values that stand for a secret without being one:
// REDACTED (any case, in brackets or not), runs of * or x, <token>,
// {{token}}, replace_with_..., your_..._here, test-... and test_....
func IsPlaceholder(v string) bool {
	t := strings.ToLower(strings.TrimSpace(v))
	core := strings.Trim(t, "[]<>{}()\"' ")
	switch {
	case t == "":
		return false
	case strings.Contains(core, "redacted"), strings.Contains(t, Placeholder):
		return true
	case strings.Trim(t, "*") == "", strings.Trim(t, "x") == "" && len(t) >= 3:
		return true
	case strings.HasPrefix(t, "<") && strings.HasSuffix(t, ">"), strings.HasPrefix(t, "{{") && strings.HasSuffix(t, "}}"):
		return true
	case strings.HasPrefix(core, "replace_with"), strings.HasPrefix(core, "replace-with"), strings.HasPrefix(core, "your_"), strings.HasPrefix(core, "your-"):
		return true
	case strings.HasPrefix(core, "test-"), strings.HasPrefix(core, "test_"), strings.HasPrefix(core, "dummy"), strings.HasPrefix(core, "fake-"), strings.HasPrefix(core, "fake_"):
		return true
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
