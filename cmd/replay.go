package cmd

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/faultline-dev/faultline/cassettes"
	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/scenarios"
)

func init() { register(newReplayCmd) }

type replayOptions struct {
	cassette, addr, faults, latency string
	addrFile                        string
	log                             logFlags
	strict                          bool
	maxAge                          time.Duration
}

func newReplayCmd() *cobra.Command {
	o := &replayOptions{}
	c := &cobra.Command{
		Use:   "replay --cassette FILE",
		Short: "Serve a cassette over HTTP, optionally under faults",
		Long: `Serve the interactions of a cassette as an HTTP server any language can use.
Requests match on method, normalized URL and a canonical body fingerprint;
identical requests replay in recorded order. An unmatched request gets a 502
whose JSON body names the closest recordings and the fields that differ.

--faults layers a fault plan over the replay (latency, 503s, resets... on the
real recorded responses). With --strict, a cassette older than --max-age
exits 1 at once, and an unmatched request makes the command exit 1 when
it stops.`,
		Example: `  faultline replay --cassette stripe.yaml --faults scenarios/examples/all-faults.yaml
  faultline replay --cassette stripe.yaml --strict --max-age 720h --latency recorded`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runReplay(c.Context(), c.OutOrStdout(), c.ErrOrStderr(), o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.cassette, "cassette", "", "cassette file to serve (required)")
	f.StringVar(&o.addr, "addr", "127.0.0.1:8080", "address to listen on")
	f.StringVar(&o.faults, "faults", "", "fault plan (or scenario) file to apply over the replay")
	f.BoolVar(&o.strict, "strict", false, "exit 1 on any unmatched request or a cassette older than --max-age")
	f.StringVar(&o.latency, "latency", "none", "none, recorded, or a scale factor of the recorded durations (e.g. 0.5)")
	f.DurationVar(&o.maxAge, "max-age", 0, "warn (or with --strict fail) when the cassette is older than this")
	o.log.register(f)
	addrFileFlag(c, &o.addrFile, "the replay's URL")
	requireFlags(c, "cassette")
	return c
}

func runReplay(ctx context.Context, stdout, stderr io.Writer, o *replayOptions) error {
	logger, logOut, err := o.log.open(stderr)
	if err != nil {
		return usageErr(err)
	}
	defer logOut.Close()
	h, rp, err := replayHandler(logger, o)
	if err != nil {
		return err
	}
	srv, err := fault.Listen(o.addr, h, nil)
	if err != nil {
		h.Close()
		return internalErr(err)
	}
	fmt.Fprintf(stdout, "replaying %s at %s; Ctrl-C stops\n", o.cassette, srv.URL)
	ctx, stop := signalContext(ctx)
	defer stop()
	if err := writeAddrFile(o.addrFile, srv.URL); err != nil { // once a signal stops it gracefully
		srv.Close()
		return err
	}
	<-ctx.Done()
	srv.Close()
	_ = logOut.Flush()
	return replaySummary(stdout, rp, o.strict)
}

// replayHandler loads the cassette (and plan) and builds the handler,
// which logs to logger.
func replayHandler(logger *slog.Logger, o *replayOptions) (*fault.Handler, *cassettes.Replayer, error) {
	if err := checkAddr("--addr", o.addr); err != nil {
		return nil, nil, err
	}
	lat, err := cassettes.ParseLatency(o.latency)
	if err != nil {
		return nil, nil, usageErr(fmt.Errorf("--latency: %w", err))
	}
	c, err := cassettes.Load(o.cassette)
	if err != nil {
		return nil, nil, cassetteErr(err)
	}
	if o.maxAge > 0 {
		if err := c.CheckAge(o.maxAge, time.Now()); err != nil {
			if o.strict {
				return nil, nil, failedErr(err.Error())
			}
			logger.Warn("stale cassette", "cassette", o.cassette, "problem", err.Error())
		}
	}
	var plan *fault.Plan
	if o.faults != "" {
		up, err := scenarios.LoadUpstreamFile(o.faults)
		if err != nil {
			return nil, nil, usageErr(err)
		}
		plan = up.Plan
	}
	rp := cassettes.NewReplayer(c, cassettes.ReplayOptions{Latency: lat, Logger: logger})
	return fault.Wrap(rp, plan, fault.WithLogger(logger)), rp, nil
}

// replaySummary reports unmatched requests and interactions never played.
func replaySummary(w io.Writer, rp *cassettes.Replayer, strict bool) error {
	miss, unplayed := rp.Mismatches(), rp.Unplayed()
	for _, m := range miss {
		fmt.Fprintf(w, "unmatched: %s\n", m.Error())
	}
	if len(unplayed) > 0 {
		fmt.Fprintf(w, "never played: %s\n", plural(len(unplayed), "recorded interaction"))
	}
	if strict && len(miss) > 0 {
		return failedErr(plural(len(miss), "request") + " matched no recording (--strict)")
	}
	return nil
}
