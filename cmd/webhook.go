package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/internal/fielderr"
	"github.com/faultline-dev/faultline/report"
	"github.com/faultline-dev/faultline/webhook"
)

func init() { register(newWebhookCmd) }

type webhookOptions struct {
	campaign        webhook.Options
	effectsUpstream string
	addrFile        string
	reports         reportFiles
	noColor         bool
	seedGiven       bool
}

func newWebhookCmd() *cobra.Command {
	o := &webhookOptions{}
	c := &cobra.Command{
		Use:   "webhook --target URL --scheme SCHEME --secret-env VAR",
		Short: "Attack a webhook handler: forged signatures, duplicates, races, floods",
		Long: `Run a campaign of webhook deliveries against your handler, signed as a provider
signs them (stripe, standard, github, shopify, slack, or a generic hmac), and
judge it: valid deliveries acknowledged within the deadline; forged, tampered,
stale or downgraded ones refused with 4xx and no effect; sequential and
concurrent duplicates processed exactly once; hostile payloads never a 5xx
or a hang; a flood acknowledged in time.

Effects are counted per event id with --effects-url (GET returning JSON
{"<event id>": count}) or --effects-cmd (a shell command printing the count
for {event_id}). Without either, effect cases are reported as skipped.
Exit codes: 0 all passed, 1 a case failed, 2 usage error, 3 could not run.`,
		Example: `  STRIPE_WHSEC=whsec_... faultline webhook --target http://127.0.0.1:3000/webhooks/stripe \
      --scheme stripe --secret-env STRIPE_WHSEC --effects-url http://127.0.0.1:3000/test/effects`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			o.seedGiven = c.Flags().Changed("seed")
			return runWebhook(c.Context(), c.OutOrStdout(), o)
		},
	}
	f, w := c.Flags(), &o.campaign
	f.StringVar(&w.Target, "target", "", "URL of the webhook handler under test (required)")
	f.StringVar(&w.Scheme, "scheme", "", "signing scheme: stripe, standard, github, shopify, slack or hmac (required)")
	f.StringVar(&w.SecretEnv, "secret-env", "", "environment variable holding the signing secret (required)")
	f.StringVar(&w.HMAC.Header, "hmac-header", "", "with --scheme hmac: the signature header (e.g. X-Signature)")
	f.StringVar(&w.HMAC.Encoding, "hmac-encoding", "", "with --scheme hmac: hex (default) or base64")
	f.StringVar(&w.HMAC.Prefix, "hmac-prefix", "", "with --scheme hmac: text before the MAC (e.g. sha256=)")
	f.StringVar(&w.HMAC.Signed, "hmac-signed", "", "with --scheme hmac: what is signed, over {id} {timestamp} {body} (default {body})")
	f.StringVar(&w.HMAC.TimestampHeader, "hmac-timestamp-header", "", "with --scheme hmac: header carrying the unix time")
	f.StringVar(&w.HMAC.IDHeader, "hmac-id-header", "", "with --scheme hmac: header carrying the event id (default: the body's id)")
	f.StringVar(&w.EventsFile, "events", "", "YAML or JSON file of sample events (default: built-in samples for the scheme)")
	f.StringVar(&w.EffectsURL, "effects-url", "", "URL answering GET with JSON {\"<event id>\": count}")
	f.StringVar(&w.EffectsCmd, "effects-cmd", "", "shell command printing the effect count for {event_id}")
	f.StringVar(&o.effectsUpstream, "effects-upstream", "", "serve a fault upstream on this address for the handler's downstream calls and count them per Idempotency-Key (= event id)")
	addrFileFlag(c, &o.addrFile, "with --effects-upstream: its URL")
	f.DurationVar(&w.Deadline, "deadline", 5*time.Second, "time the handler has to acknowledge a delivery")
	f.IntVar(&w.FloodRate, "flood-rate", 200, "deliveries per second in the flood case")
	f.DurationVar(&w.FloodFor, "flood-for", time.Second, "how long the flood lasts")
	f.StringSliceVar(&w.Cases, "case", nil, "run only these cases (repeat the flag or separate with commas)")
	f.StringSliceVar(&w.Cases, "cases", nil, "alias of --case")
	_ = f.MarkHidden("cases")
	f.Int64Var(&w.Seed, "seed", 0, "seed for event ids and choices (default: drawn and printed)")
	f.BoolVar(&o.noColor, "no-color", false, "plain output even on a terminal")
	o.reports.addFlags(c)
	requireFlags(c, "target", "scheme", "secret-env")
	c.MarkFlagsMutuallyExclusive("effects-url", "effects-cmd", "effects-upstream")
	return c
}

func runWebhook(ctx context.Context, stdout io.Writer, o *webhookOptions) error {
	w := &o.campaign
	if w.Secret = os.Getenv(w.SecretEnv); w.Secret == "" {
		return usageErr(fmt.Errorf("--secret-env %s: the variable is empty; set it to the handler's signing secret", w.SecretEnv))
	}
	if err := o.reports.check(); err != nil {
		return err
	}
	if err := checkReachable(ctx, "--target", w.Target); err != nil {
		return err
	}
	if o.effectsUpstream != "" {
		srv, err := effectsUpstream(stdout, o.effectsUpstream)
		if err != nil {
			return err
		}
		defer srv.Close()
		if err := writeAddrFile(o.addrFile, srv.URL); err != nil {
			return err
		}
		w.Effects = webhook.JournalEffects(srv.Journal())
	}
	if !o.seedGiven {
		w.Seed = drawSeed()
	}
	w.ToolVersion = Version()
	w.Command = webhookCommand(o, "")
	w.Reproduce = func(caseName string) string { return webhookCommand(o, caseName) }
	ctx, stop := signal.NotifyContext(orBackground(ctx), os.Interrupt, syscall.SIGTERM)
	defer stop()
	run, err := webhook.Run(ctx, *w)
	switch {
	case errors.Is(err, webhook.ErrOptions):
		return usageErr(fielderr.Rename(err, map[string]string{"Target": "--target", "Scheme": "--scheme"}))
	case err != nil && run == nil:
		return internalErr(err)
	}
	if werr := writeReports(stdout, run, o.reports, o.noColor, report.TerminalOptions{}); werr != nil {
		return werr
	}
	if err != nil {
		return internalErr(err)
	}
	if !run.Passed() {
		return failedErr("")
	}
	return nil
}

// effectsUpstream serves 200 to every request on addr, journaling them, so
// the handler's downstream calls can be counted per event.
func effectsUpstream(stdout io.Writer, addr string) (*fault.Server, error) {
	plan := &fault.Plan{Routes: []fault.Route{{Name: "effects", Match: fault.Match{Path: "/**"},
		Respond: &fault.Response{Status: 200, Body: []byte(`{"ok":true}` + "\n")}}}}
	srv, err := fault.Listen(addr, fault.Wrap(nil, plan), nil)
	if err != nil {
		return nil, internalErr(err)
	}
	fmt.Fprintf(stdout, "counting effects at %s (send the event id as Idempotency-Key)\n", srv.URL)
	return srv, nil
}

// webhookCommand is the one builder of the command that repeats the
// campaign (caseName "": the run's, naming every --case given) or one case
// of it (--case caseName alone); it names the secret's variable, never the
// secret.
func webhookCommand(o *webhookOptions, caseName string) string {
	w := &o.campaign
	parts := []string{"faultline webhook", "--target", shellQuote(w.Target), "--scheme", w.Scheme, "--secret-env", w.SecretEnv}
	for _, f := range [][2]string{{"--events", w.EventsFile}, {"--effects-url", w.EffectsURL}, {"--effects-cmd", w.EffectsCmd}, {"--effects-upstream", o.effectsUpstream}} {
		if f[1] != "" {
			parts = append(parts, f[0], shellQuote(f[1]))
		}
	}
	parts = append(parts, "--seed", fmt.Sprint(w.Seed))
	switch {
	case caseName != "":
		parts = append(parts, "--case", caseName)
	case len(w.Cases) > 0:
		parts = append(parts, "--case", strings.Join(w.Cases, ","))
	}
	return strings.Join(parts, " ")
}
