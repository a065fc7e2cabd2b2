package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/faultline-dev/faultline/cassettes"
	"github.com/faultline-dev/faultline/fault"
)

func init() { register(newRecordCmd) }

type recordOptions struct {
	upstream, cassette, addr, mode string
	addrFile                       string
	log                            logFlags
}

func newRecordCmd() *cobra.Command {
	o := &recordOptions{}
	c := &cobra.Command{
		Use:   "record --upstream URL --cassette FILE",
		Short: "Record real API traffic into a cassette through a proxy",
		Long: `Start a recording reverse proxy on --addr that forwards to --upstream and
writes every interaction to --cassette (go-vcr's YAML format), with secrets
redacted before anything touches disk. Point any client at the proxy. On
SIGINT or SIGTERM the completed interactions are saved atomically; an empty
recording writes no file.

Modes: once (replay what is recorded, record only into a new cassette),
new-episodes (replay recorded requests, record new ones), all (record
everything anew).`,
		Example: `  faultline record --upstream https://api.stripe.com --cassette stripe.yaml
  STRIPE_API_BASE=http://127.0.0.1:8080 go test ./payments/...`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runRecord(c.Context(), c.OutOrStdout(), c.ErrOrStderr(), o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.upstream, "upstream", "", "base URL of the real API (required)")
	f.StringVar(&o.cassette, "cassette", "", "cassette file to write (required)")
	f.StringVar(&o.addr, "addr", "127.0.0.1:8080", "address the proxy listens on")
	f.StringVar(&o.mode, "mode", "once", "once, new-episodes or all")
	o.log.register(f)
	addrFileFlag(c, &o.addrFile, "the proxy's URL")
	requireFlags(c, "upstream", "cassette")
	return c
}

func runRecord(ctx context.Context, stdout, stderr io.Writer, o *recordOptions) error {
	if err := checkAddr("--addr", o.addr); err != nil {
		return err
	}
	u, err := url.Parse(o.upstream)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageErr(fmt.Errorf("--upstream %q: give an absolute http:// or https:// URL", o.upstream))
	}
	mode, err := cassettes.ParseMode(o.mode)
	if err != nil {
		return usageErr(fmt.Errorf("--mode: %w", err))
	}
	logger, logOut, err := o.log.open(stderr)
	if err != nil {
		return usageErr(err)
	}
	defer logOut.Close()
	rec, err := cassettes.NewRecorder(u, o.cassette, cassettes.RecordOptions{Mode: mode, Logger: logger, Version: Version()})
	if err != nil {
		return cassetteErr(err)
	}
	srv, err := fault.Listen(o.addr, fault.Wrap(rec, nil, fault.WithLogger(logger)), nil)
	if err != nil {
		_ = rec.Close()
		return internalErr(err)
	}
	fmt.Fprintf(stdout, "recording %s -> %s into %s (mode %s); Ctrl-C saves and stops\n", srv.URL, u.Redacted(), o.cassette, o.mode)
	ctx, stop := signalContext(ctx)
	defer stop()
	if err := writeAddrFile(o.addrFile, srv.URL); err != nil { // once a signal stops it gracefully
		srv.Close()
		_ = rec.Close()
		return err
	}
	<-ctx.Done()
	srv.Close()
	_ = logOut.Flush()
	if err := rec.Close(); err != nil {
		return internalErr(fmt.Errorf("saving %s: %w", o.cassette, err))
	}
	fmt.Fprintf(stdout, "saved %s\n", o.cassette)
	return nil
}

// signalContext is ctx, also ended by SIGINT or SIGTERM.
func signalContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(orBackground(ctx), os.Interrupt, syscall.SIGTERM)
}

// cassetteErr maps a cassette problem to exit 2 (bad file) or 3; nil stays nil.
func cassetteErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, cassettes.ErrInvalidCassette) || errors.Is(err, os.ErrNotExist) {
		return usageErr(err)
	}
	return internalErr(err)
}
