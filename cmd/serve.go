package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/fault/admin"
	"github.com/faultline-dev/faultline/fault/journal"
	"github.com/faultline-dev/faultline/fault/tlsfault"
	"github.com/faultline-dev/faultline/internal/atomicfile"
	"github.com/faultline-dev/faultline/scenarios"
)

func init() { register(newServeCmd) }

// drainTimeout bounds how long shutdown waits for requests in flight.
const drainTimeout = 10 * time.Second

type serveOptions struct {
	config     string
	spec       string // OpenAPI file whose operations are the base handler
	addr       string
	admin      string // "" disables the admin API
	upstream   string
	seed       *int64 // nil: the plan's seed, or a random one
	tls        bool
	caOut      string
	log        logFlags
	adminToken string
	valueMax   int           // bytes of each request value a journal entry keeps
	bodyTime   time.Duration // longest a request body may take to arrive

	addrFile string
	// ready, when set, is called with the URLs once both listeners are up.
	ready func(upstream, admin string)
}

func newServeCmd() *cobra.Command {
	var o serveOptions
	var seed int64
	c := &cobra.Command{
		Use:   "serve --config FILE",
		Short: "Run the fault upstream: a stub or proxy API that fails on purpose",
		Long: `serve runs a fault upstream from a plan file (or a scenario file whose
upstream: section is the plan; see docs/plan.md). Point the client under test
at its URL: routes answer with their stub response, or forward to --upstream,
and the plan's fault rules delay, fail, cut or garble the requests they select.

Every random draw comes from the seed: the plan's, --seed's, or a random one,
printed at start so a run can be repeated.

An admin API listens on its own port: GET /plan, PUT /plan (swap the plan),
POST /reset, GET /journal?since=N, GET /metrics (Prometheus), GET /healthz.
It binds 127.0.0.1 unless a token is set (--admin-token or
FAULTLINE_ADMIN_TOKEN); with a token every request must send
"Authorization: Bearer TOKEN". Pass --admin "" to turn it off.

One log line per request goes to stderr: text on a terminal, JSON otherwise,
written in batches off the request path (--quiet or --log-level warn turns
it off).
SIGINT or SIGTERM releases held requests, drains the rest and exits 0.`,
		Example: `  faultline serve --config scenarios/examples/all-faults.yaml
  faultline serve --config plan.yaml --seed 7 --addr 127.0.0.1:9000
  faultline serve --config plan.yaml --upstream https://api.stripe.com --tls --ca-out ca.pem
  curl -X PUT --data-binary @other-plan.yaml http://127.0.0.1:8081/plan`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if c.Flags().Changed("seed") {
				o.seed = &seed
			}
			if o.adminToken == "" {
				o.adminToken = os.Getenv("FAULTLINE_ADMIN_TOKEN")
			}
			ctx, stop := signal.NotifyContext(c.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runServe(ctx, o, c.OutOrStdout(), c.ErrOrStderr())
		},
	}
	f := c.Flags()
	f.StringVar(&o.config, "config", "", "plan file, or scenario file with an upstream: section (required unless --spec)")
	f.StringVar(&o.spec, "spec", "", "OpenAPI file: serve every operation, validating requests (plan routes and faults on top)")
	f.StringVar(&o.addr, "addr", "127.0.0.1:8080", "address to serve the upstream on")
	f.StringVar(&o.admin, "admin", "127.0.0.1:8081", `address of the admin API ("" to disable)`)
	f.StringVar(&o.upstream, "upstream", "", "proxy to this URL: routes without respond: forward to it")
	f.Int64Var(&seed, "seed", 0, "seed for every random draw (overrides the plan's)")
	f.BoolVar(&o.tls, "tls", false, "serve HTTPS with a self-signed certificate")
	f.StringVar(&o.caOut, "ca-out", "faultline-ca.pem", "with --tls: where to write the CA certificate (PEM)")
	o.log.register(f)
	f.IntVar(&o.valueMax, "journal-value-max", journal.DefaultValueMax, "bytes of each request value (path, query, a header) a journal entry keeps; longer ones are cut and marked")
	f.DurationVar(&o.bodyTime, "body-timeout", fault.DefaultBodyTimeout, "longest a request body may take to arrive; a slower one gets 408 and its connection is closed")
	f.StringVar(&o.adminToken, "admin-token", "", "bearer token the admin API requires, needed to bind it beyond 127.0.0.1 (or set FAULTLINE_ADMIN_TOKEN)")
	addrFileFlag(c, &o.addrFile, "the upstream's URL, then the admin API's")
	return c
}

// runServe serves until ctx ends, then drains and returns nil. Errors carry
// their exit code: 2 for bad input, 3 when it cannot bind.
func runServe(ctx context.Context, o serveOptions, stdout, stderr io.Writer) error {
	if err := checkAddr("--addr", o.addr); err != nil {
		return err
	}
	if o.admin != "" {
		if err := checkAddr("--admin", o.admin); err != nil {
			return err
		}
	}
	logger, logOut, err := o.log.open(stderr)
	if err != nil {
		return usageErr(err)
	}
	defer logOut.Close()
	sp, err := loadServePlan(o)
	if err != nil {
		return err
	}
	plan := sp.plan
	base, err := proxyBase(o.upstream)
	if err != nil {
		return usageErr(err)
	}
	sb, err := specBase(o, sp.upstream)
	if err != nil {
		return err
	}
	if sb.handler != nil {
		base = sb.handler
	}
	o.tls = o.tls || plan.TLS != nil
	cert, err := serveCert(o, plan.TLS)
	if err != nil {
		return err
	}
	metrics := admin.NewMetrics()
	h := fault.Wrap(base, plan, append(sb.options, fault.WithLogger(logger), fault.WithObserver(metrics.Observe), fault.WithJournalValueMax(o.valueMax), fault.WithBodyTimeout(o.bodyTime))...)
	srv, err := fault.Listen(o.addr, h, cert)
	if err != nil {
		h.Close()
		return internalErr(err)
	}
	api, err := listenAdmin(o, h, admin.Config{Token: o.adminToken, Source: sp.source, Metrics: metrics, Logger: logger})
	if err != nil {
		srv.Close()
		return err
	}
	printBanner(stdout, o, sp, srv, api)
	sb.banner(stdout)
	if err := writeAddrFile(o.addrFile, srv.URL, api.URL); err != nil {
		_ = shutdown(srv, api)
		return err
	}
	if o.ready != nil {
		o.ready(srv.URL, api.URL)
	}
	<-ctx.Done()
	logger.Info("shutting down: releasing held requests and draining")
	return shutdown(srv, api)
}

// servePlan is the plan to serve and where its seed came from.
type servePlan struct {
	plan     *fault.Plan
	upstream *scenarios.Upstream // the --config file's plan and base handler
	source   []byte              // the YAML, when it describes the plan in force exactly
	seedFrom string
}

// loadServePlan loads the plan and applies --seed, or draws a seed when
// neither gives one.
func loadServePlan(o serveOptions) (servePlan, error) {
	if o.config == "" && o.spec == "" {
		return servePlan{}, usageErr(errors.New("serve needs --config FILE (a plan or scenario file, see docs/plan.md) or --spec FILE (an OpenAPI document)"))
	}
	if o.config == "" {
		sp := servePlan{plan: &fault.Plan{}, upstream: &scenarios.Upstream{Plan: &fault.Plan{}}, seedFrom: "random; pass --seed to repeat this run"}
		sp.plan = sp.upstream.Plan
		if o.seed != nil {
			sp.plan.Seed, sp.seedFrom = *o.seed, "from --seed"
		} else {
			sp.plan.Seed = drawSeed()
		}
		return sp, nil
	}
	data, err := os.ReadFile(o.config)
	if err != nil {
		return servePlan{}, usageErr(fmt.Errorf("cannot read --config: %w", err))
	}
	up, err := scenarios.LoadUpstream(o.config, data)
	if err != nil {
		return servePlan{}, usageErr(err)
	}
	plan := up.Plan
	sp := servePlan{plan: plan, upstream: up, seedFrom: "from the plan"}
	switch {
	case o.seed != nil:
		plan.Seed, sp.seedFrom = *o.seed, "from --seed"
	case plan.Seed == 0:
		plan.Seed = drawSeed()
		sp.seedFrom = "random; pass --seed to repeat this run"
	default:
		if !up.Scenario {
			sp.source = data
		}
	}
	return sp, nil
}

// proxyBase returns the handler requests without a stub go to: a reverse
// proxy to upstream, or nil (404 listing the routes).
func proxyBase(upstream string) (http.Handler, error) {
	if upstream == "" {
		return nil, nil
	}
	u, err := url.Parse(upstream)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--upstream %q: give an absolute http:// or https:// URL, e.g. https://api.example.com", upstream)
	}
	return fault.NewProxy(u), nil
}

// serveCert makes the self-signed certificate for --tls, or the one the
// plan's tls section asks for, and writes its CA to --ca-out.
func serveCert(o serveOptions, planTLS *tlsfault.Plan) (*tlsfault.Cert, error) {
	if !o.tls {
		return nil, nil
	}
	var cert *tlsfault.Cert
	var err error
	if planTLS != nil {
		cert, err = tlsfault.New(planTLS)
	} else {
		var hosts []string // the certificate covers localhost and loopback IPs already
		if host, _, err := net.SplitHostPort(o.addr); err == nil && host != "" && host != "0.0.0.0" && host != "::" {
			hosts = append(hosts, host)
		}
		cert, err = tlsfault.SelfSigned(hosts...)
	}
	if err != nil {
		return nil, internalErr(fmt.Errorf("making a certificate: %w", err))
	}
	if err := atomicfile.Write(o.caOut, cert.CAPEM, 0o644); err != nil {
		return nil, usageErr(fmt.Errorf("--ca-out: %w", err))
	}
	return cert, nil
}

func listenAdmin(o serveOptions, h *fault.Handler, cfg admin.Config) (*admin.API, error) {
	if o.admin == "" {
		return admin.New(h, cfg), nil
	}
	a, err := admin.Listen(o.admin, h, cfg)
	switch {
	case errors.Is(err, admin.ErrToken):
		return nil, usageErr(fmt.Errorf("--admin %s is reachable from other hosts: set --admin-token, or bind 127.0.0.1", o.admin))
	case err != nil:
		return nil, internalErr(fmt.Errorf("admin API: %w", err))
	}
	return a, nil
}

func printBanner(w io.Writer, o serveOptions, sp servePlan, srv *fault.Server, api *admin.API) {
	from := o.config
	if from == "" {
		from = "the command line"
	}
	fmt.Fprintf(w, "faultline serve: %s from %s, seed %d (%s)\n", plural(len(sp.plan.Routes), "route"), from, sp.plan.Seed, sp.seedFrom)
	up := srv.URL
	if u, err := url.Parse(o.upstream); err == nil && o.upstream != "" {
		up += "  (proxying to " + u.Redacted() + ")"
	}
	fmt.Fprintf(w, "  upstream  %s\n", up)
	if api.URL != "" {
		fmt.Fprintf(w, "  admin     %s  (GET /plan /journal /deliveries /metrics /healthz, PUT /plan, POST /reset)\n", api.URL)
	}
	if o.tls {
		fmt.Fprintf(w, "  CA        %s  (e.g. curl --cacert %s)\n", o.caOut, o.caOut)
	}
}

func shutdown(srv *fault.Server, api *admin.API) error {
	ctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	err := srv.Shutdown(ctx)
	if aerr := api.Shutdown(ctx); err == nil {
		err = aerr
	}
	if err != nil {
		return internalErr(fmt.Errorf("shutting down: %w", err))
	}
	return nil
}
