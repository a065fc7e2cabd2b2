package webhook

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/faultline-dev/faultline/internal/fielderr"
	"github.com/faultline-dev/faultline/internal/webhooksig"
)

// ErrOptions is wrapped by every error about bad options or a bad events
// file; the command maps it to exit code 2.
var ErrOptions = errors.New("invalid webhook campaign options")

// HMAC describes the generic "hmac" scheme.
type HMAC = webhooksig.HMAC

// Options configure a campaign. They mirror `faultline webhook`'s flags:
// --target, --scheme, --secret-env (the command reads the variable into
// Secret and keeps its name in SecretEnv), --events, --effects-url,
// --effects-cmd and --deadline; the report flags (--json, --junit,
// --markdown) belong to the command. The remaining fields have small
// defaults; Cases is what a reproduce line's --case selects.
type Options struct {
	Target    string // the handler's URL; the only host the campaign contacts
	Scheme    string // stripe, standard, github, shopify, slack or hmac
	Secret    string // the signing secret (the command reads it from SecretEnv)
	SecretEnv string // the variable the secret came from, named in errors
	HMAC      HMAC   // for Scheme "hmac"

	EventsFile string  // YAML/JSON sample events; see the package doc
	Events     []Event // sample events; overrides EventsFile

	EffectsURL string        // GET → {"<event id>": count, ...}
	EffectsCmd string        // shell command printing the count for {event_id}
	Effects    EffectCounter // a Go counter; overrides EffectsURL and EffectsCmd

	Deadline   time.Duration // per delivery; default 5s
	Settle     time.Duration // quiet time before effects are read; default 250ms
	Tolerance  time.Duration // the handler's timestamp window; stale/future cases sign 2x outside it; default 5m
	FloodRate  int           // deliveries per second in the flood case; default 200
	FloodFor   time.Duration // flood duration; default 1s
	Valid      int           // deliveries in the valid case; default 20
	Duplicates []int         // fan-outs of the concurrent duplicate cases, each 2..16; default 2, 4, 8, 16
	LargeBody  int           // bytes of the large-body case; default 2 MiB
	Cases      []string      // run only these cases; default all

	Seed    int64  // seeds event ids and sample choices; 0 picks one from the clock (reported)
	Command string // how the run was invoked, for the report
	// Reproduce, when set, is the command that repeats one case alone, for
	// its report (the CLI's faultline webhook ... --case NAME).
	Reproduce   func(caseName string) string
	ToolVersion string

	Client *http.Client // default: a private client that never follows redirects
	Logger *slog.Logger // default: discard
	Now    func() time.Time
}

// withDefaults validates o and fills in defaults.
func (o Options) withDefaults() (Options, error) {
	u, err := url.Parse(o.Target)
	if o.Target == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return o, &fielderr.Error{Kind: ErrOptions, Field: "Target", Value: strconv.Quote(o.Target), Problem: "give an absolute http:// or https:// URL"}
	}
	if o.Secret == "" {
		where := "Secret"
		if o.SecretEnv != "" {
			where = "$" + o.SecretEnv
		}
		return o, fmt.Errorf("%w: the signing secret is empty (set %s)", ErrOptions, where)
	}
	if o.EffectsURL != "" && o.EffectsCmd != "" {
		return o, fmt.Errorf("%w: set EffectsURL or EffectsCmd, not both", ErrOptions)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Deadline, 5*time.Second)
	def(&o.Settle, 250*time.Millisecond)
	def(&o.Tolerance, webhooksig.DefaultTolerance)
	def(&o.FloodFor, time.Second)
	if o.FloodRate <= 0 {
		o.FloodRate = 200
	}
	if o.FloodRate > 100_000 {
		return o, fmt.Errorf("%w: flood rate %d/s is above 100000/s", ErrOptions, o.FloodRate)
	}
	if o.Valid <= 0 {
		o.Valid = 20
	}
	if o.LargeBody <= 0 {
		o.LargeBody = 2 << 20
	}
	if len(o.Duplicates) == 0 {
		o.Duplicates = []int{2, 4, 8, 16}
	}
	for _, n := range o.Duplicates {
		if n < 2 || n > 16 {
			return o, fmt.Errorf("%w: concurrent duplicates %d out of range 2..16", ErrOptions, n)
		}
	}
	if err := checkCaseNames(o.Cases, o.Duplicates); err != nil {
		return o, err
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Seed == 0 {
		o.Seed = o.Now().UnixNano()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

func checkCaseNames(names []string, dups []int) error {
	known := caseNames(dups)
	for _, n := range names {
		if !slices.Contains(known, n) {
			return fmt.Errorf("%w: unknown case %q (known: %s)", ErrOptions, n, strings.Join(known, ", "))
		}
	}
	return nil
}

// newClient returns a client that keeps connections warm and never follows
// a redirect, so the campaign only ever talks to the target.
func newClient(o Options) *http.Client {
	if o.Client != nil {
		c := *o.Client
		c.CheckRedirect = noRedirect
		return &c
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 256
	tr.MaxIdleConnsPerHost = 256
	tr.DisableCompression = true
	tr.Proxy = nil
	return &http.Client{Transport: tr, CheckRedirect: noRedirect}
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
