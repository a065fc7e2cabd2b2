// Package admin is the control side of a fault server: an HTTP API to read
// and swap a [fault.Handler]'s plan, reset it, and read its journal and
// webhook deliveries ([API], served with [Listen] or mounted with [New]),
// and [Metrics], its counters in Prometheus form.
//
// It lives apart from package fault so that a Go test importing fault links
// neither the admin API nor Prometheus:
//
//	m := admin.NewMetrics()
//	srv := fault.NewServer(plan, fault.WithObserver(m.Observe))
//	api, err := admin.Listen("127.0.0.1:0", srv.Handler, admin.Config{Metrics: m})
//	// api.URL + "/journal", api.URL + "/metrics", ...
package admin

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/internal/secrets"
)

// ErrToken is returned by [Listen] when the admin API would be
// reachable from other hosts without a token.
var ErrToken = errors.New("an admin API bound beyond loopback needs a token")

// maxPlanBody is the largest plan PUT /plan accepts.
const maxPlanBody = 1 << 20

// Config configures the admin API.
type Config struct {
	// Token, when set, must be sent as "Authorization: Bearer <token>" on
	// every request. It is required when the API binds beyond loopback.
	Token string
	// Source is the YAML the plan in force was loaded from; GET /plan
	// returns it. Without it GET /plan returns a JSON summary.
	Source []byte
	// Metrics is served at GET /metrics and cleared by POST /reset.
	Metrics *Metrics
	// Logger records plan swaps and resets.
	Logger *slog.Logger
}

// API is the admin API of a [fault.Handler]: read and swap its plan, reset it,
// read its journal and metrics. Its endpoints are:
//
//	GET  /plan            the plan in force: its YAML, or a JSON summary
//	PUT  /plan            swap the plan (body: plan YAML); 400 if invalid
//	POST /reset           restart counters and windows, empty the journal
//	GET  /journal?since=N journal entries after sequence N, as JSON lines
//	GET  /deliveries      webhook deliveries sent and their answers, as JSON lines
//	GET  /metrics         Prometheus text format
//	GET  /healthz         liveness
//
// Serve it on its own listener with [Listen], or mount it yourself.
type API struct {
	// URL is the base URL the API listens on ("" when not listening).
	URL string

	h    *fault.Handler
	cfg  Config
	mux  *http.ServeMux
	cop  *http.CrossOriginProtection
	mu   sync.Mutex
	src  []byte
	srcP *fault.Plan // the plan src describes
	srv  *http.Server
	errc chan error
	stop sync.Once
	done error // what Serve returned, once stopped
}

// New returns the admin API for h.
func New(h *fault.Handler, cfg Config) *API {
	a := &API{h: h, cfg: cfg, mux: http.NewServeMux(), cop: http.NewCrossOriginProtection()}
	if cfg.Source != nil {
		a.src, a.srcP = cfg.Source, h.Plan()
	}
	if a.cfg.Logger == nil {
		a.cfg.Logger = slog.New(slog.DiscardHandler)
	}
	a.mux.HandleFunc("GET /plan", a.getPlan)
	a.mux.HandleFunc("PUT /plan", a.putPlan)
	a.mux.HandleFunc("POST /reset", a.reset)
	a.mux.HandleFunc("GET /journal", a.journal)
	a.mux.HandleFunc("GET /deliveries", a.deliveries)
	a.mux.HandleFunc("GET /metrics", a.metrics)
	a.mux.HandleFunc("GET /healthz", a.healthz)
	a.mux.HandleFunc("/", a.notFound)
	return a
}

// Listen serves the admin API for h on addr. An address beyond
// loopback (":8081", "0.0.0.0:8081", a LAN IP or host name) needs
// cfg.Token, else the error wraps [ErrToken].
func Listen(addr string, h *fault.Handler, cfg Config) (*API, error) {
	if cfg.Token == "" && !loopbackAddr(addr) {
		return nil, fmt.Errorf("admin address %s: %w", addr, ErrToken)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s: %w (is another process using the port?)", addr, err)
	}
	a := New(h, cfg)
	a.URL = "http://" + ln.Addr().String()
	a.errc = make(chan error, 1)
	a.srv = &http.Server{
		Handler:           a,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(slog.DiscardHandler, slog.LevelError),
	}
	go func() { a.errc <- a.srv.Serve(ln) }()
	return a, nil
}

// loopbackAddr reports whether addr binds only loopback interfaces.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Shutdown stops the API, waiting for requests in flight until ctx ends.
// It does nothing when the API is not listening.
func (a *API) Shutdown(ctx context.Context) error {
	if a.srv == nil {
		return nil
	}
	err := a.srv.Shutdown(ctx)
	a.stop.Do(func() { a.done = <-a.errc })
	if serr := a.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

// Close stops the API, waiting at most a second.
func (a *API) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := a.Shutdown(ctx); err != nil {
		_ = a.srv.Close()
	}
}

// ServeHTTP implements http.Handler.
//
// A web page the developer has open must not drive the API. Without a
// token, a request whose Host is not a loopback name or address is refused
// (a DNS-rebinding page reaches 127.0.0.1 under its own host name), and with
// or without one, a browser's cross-origin request to an endpoint that
// changes state (PUT /plan, POST /reset) is refused, as
// [http.CrossOriginProtection] judges it from Sec-Fetch-Site and Origin.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if a.cfg.Token == "" && !loopbackHost(r.Host) {
		adminError(w, http.StatusForbidden, fmt.Sprintf("Host %q is not a loopback name or address: without an admin token the API answers only requests to localhost or 127.0.0.1", r.Host))
		return
	}
	if err := a.cop.Check(r); err != nil {
		adminError(w, http.StatusForbidden, "cross-origin request refused: the admin API takes state-changing requests only from non-browser clients (curl, tests) or its own origin")
		return
	}
	if a.cfg.Token != "" && !a.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="faultline admin"`)
		adminError(w, http.StatusUnauthorized, "missing or wrong bearer token: send Authorization: Bearer <admin token>")
		return
	}
	a.mux.ServeHTTP(w, r)
}

// loopbackHost reports whether a request's Host names this machine only:
// localhost (or a name under .localhost, which resolves to loopback by
// RFC 6761) or a loopback IP, with or without a port.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (a *API) authorized(r *http.Request) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(a.cfg.Token)) == 1
}

func (a *API) getPlan(w http.ResponseWriter, _ *http.Request) {
	p := a.h.Plan()
	a.mu.Lock()
	src := a.src
	if a.srcP != p {
		src = nil
	}
	a.mu.Unlock()
	if src != nil {
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(maskSecrets(src))
		return
	}
	writeJSON(w, http.StatusOK, summarize(p))
}

// keyLine matches a YAML line with a key and a value, keeping the key.
var keyLine = regexp.MustCompile(`(?m)^(\s*-?\s*([\w.-]+)\s*:\s*)(\S.*)$`)

// maskSecrets hides secrets in plan source by faultline's one secret
// policy: the value of a key that names a credential (a webhook's secret,
// an api_key; not secret_env, which names a variable), and known key
// formats anywhere.
func maskSecrets(src []byte) []byte {
	src = keyLine.ReplaceAllFunc(src, func(line []byte) []byte {
		m := keyLine.FindSubmatch(line)
		if secrets.Name(string(m[2])) && secrets.Value(strings.Trim(string(m[3]), `"' `)) {
			return append(append([]byte{}, m[1]...), strconv.Quote(secrets.Placeholder)...) // quoted: [REDACTED] is a list in YAML
		}
		return line
	})
	return []byte(secrets.Mask(string(src), secrets.Placeholder))
}

func (a *API) putPlan(w http.ResponseWriter, r *http.Request) {
	src, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPlanBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		adminError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("plan over %d bytes", maxPlanBody))
		return
	case err != nil:
		adminError(w, http.StatusBadRequest, "reading the plan: "+err.Error())
		return
	}
	p, err := fault.LoadPlan("body", src)
	if err != nil {
		adminError(w, http.StatusBadRequest, err.Error()+" (the plan in force is unchanged)")
		return
	}
	if p.Seed == 0 {
		p.Seed = a.h.Plan().Seed
	}
	a.mu.Lock()
	a.h.SetPlan(p)
	a.src, a.srcP = src, p
	a.mu.Unlock()
	a.cfg.Logger.Info("plan replaced", "routes", len(p.Routes), "seed", p.Seed)
	writeJSON(w, http.StatusOK, summarize(p))
}

func (a *API) reset(w http.ResponseWriter, _ *http.Request) {
	a.h.Reset()
	if a.cfg.Metrics != nil {
		a.cfg.Metrics.Reset()
	}
	a.cfg.Logger.Info("plan reset")
	writeJSON(w, http.StatusOK, map[string]string{"status": "reset"})
}

func (a *API) journal(w http.ResponseWriter, r *http.Request) {
	var since uint64
	if s := r.URL.Query().Get("since"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			adminError(w, http.StatusBadRequest, fmt.Sprintf("since=%q: give a sequence number, e.g. since=42", s))
			return
		}
		since = n
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	enc := json.NewEncoder(w)
	for _, e := range a.h.Journal().Since(since) {
		if enc.Encode(&e) != nil {
			return // the client went away
		}
	}
}

func (a *API) deliveries(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/x-ndjson")
	enc := json.NewEncoder(w)
	for _, d := range a.h.Deliveries() {
		_ = enc.Encode(d)
	}
}

func (a *API) metrics(w http.ResponseWriter, r *http.Request) {
	if a.cfg.Metrics == nil {
		adminError(w, http.StatusNotFound, "metrics are not enabled for this server")
		return
	}
	a.cfg.Metrics.ServeHTTP(w, r)
}

func (a *API) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "routes": len(a.h.Plan().Routes)})
}

// adminMethods lists the methods each endpoint allows.
var adminMethods = map[string]string{"/plan": "GET, PUT", "/reset": "POST", "/journal": "GET", "/deliveries": "GET", "/metrics": "GET", "/healthz": "GET"}

func (a *API) notFound(w http.ResponseWriter, r *http.Request) {
	if allow, ok := adminMethods[r.URL.Path]; ok {
		w.Header().Set("Allow", allow)
		adminError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s %s: use %s", r.Method, r.URL.Path, allow))
		return
	}
	adminError(w, http.StatusNotFound, fmt.Sprintf("no admin endpoint %s %s; endpoints: GET /plan, PUT /plan, POST /reset, GET /journal, GET /deliveries, GET /metrics, GET /healthz", r.Method, r.URL.Path))
}

// planSummary is GET /plan's answer when the plan's YAML is not known.
type planSummary struct {
	Seed   int64          `json:"seed"`
	Routes []routeSummary `json:"routes"`
}

type routeSummary struct {
	Name    string   `json:"name"`
	Method  string   `json:"method,omitempty"`
	Path    string   `json:"path,omitempty"`
	Respond int      `json:"respond,omitempty"` // stub status; 0 forwards
	Faults  []string `json:"faults,omitempty"`
}

func summarize(p *fault.Plan) planSummary {
	s := planSummary{Seed: p.Seed, Routes: []routeSummary{}}
	for _, rt := range p.Routes {
		rs := routeSummary{Name: rt.Name, Method: rt.Match.Method, Path: rt.Match.Path}
		if rt.Respond != nil {
			rs.Respond = rt.Respond.Status
			if rs.Respond == 0 {
				rs.Respond = http.StatusOK
			}
		}
		for _, rule := range rt.Rules {
			rs.Faults = append(rs.Faults, rule.Fault.Kind())
		}
		s.Routes = append(s.Routes, rs)
	}
	return s
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func adminError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
