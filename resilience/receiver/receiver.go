package receiver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/faultline-dev/faultline/internal/webhooksig"
)

// HMAC describes the generic "hmac" scheme: signature header, encoding,
// prefix, signed-content template and where the event id lives.
type HMAC = webhooksig.HMAC

// ErrConfig is wrapped by every error New returns.
var ErrConfig = errors.New("receiver: invalid config")

// Event is one verified, first-seen delivery handed to Config.Process.
type Event struct {
	ID       string      // the id deduplicated on
	Header   http.Header // the delivery's headers
	Body     []byte      // the raw, verified body
	Received time.Time
}

// DeadLetter is an event that failed every processing attempt.
type DeadLetter struct {
	Event    Event
	Attempts int
	Err      error // the last attempt's error
}

// Config configures a Receiver. Scheme, Secret and Process are required.
type Config struct {
	Scheme    string        // stripe, standard, github, shopify, slack or hmac
	Secret    string        // the provider's signing secret
	HMAC      HMAC          // for Scheme "hmac"
	Tolerance time.Duration // signed-timestamp window; default 5m

	// Process performs the event's effect. It runs on a worker goroutine,
	// at most once per event id unless it returns an error.
	Process func(ctx context.Context, e Event) error

	Store       Store         // default: a new MemoryStore
	Workers     int           // default 4
	Queue       int           // queued events before answering 503; default 1024
	MaxAttempts int           // processing attempts before dead-lettering; default 5
	Backoff     time.Duration // wait after the first failed attempt, doubled each time; default 50ms
	MaxBody     int64         // default 1 MiB
	Logger      *slog.Logger  // default slog.Default()
	Now         func() time.Time
}

// Receiver verifies, deduplicates, acknowledges and processes webhooks.
type Receiver struct {
	cfg    Config
	scheme webhooksig.Scheme
	queue  chan Event
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.RWMutex // guards closed against sends on a closed queue
	closed   bool
	stopping chan struct{} // closed by Close: retry waits end early

	dlMu sync.Mutex
	dead []DeadLetter
}

// New validates cfg and starts the workers. Call Close to stop them.
func New(cfg Config) (*Receiver, error) {
	if cfg.Process == nil {
		return nil, fmt.Errorf("%w: Process is required", ErrConfig)
	}
	s, err := webhooksig.New(cfg.Scheme, cfg.Secret, webhooksig.Options{Tolerance: cfg.Tolerance, HMAC: cfg.HMAC})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	defaults(&cfg)
	ctx, cancel := context.WithCancel(context.Background())
	r := &Receiver{cfg: cfg, scheme: s, queue: make(chan Event, cfg.Queue), ctx: ctx, cancel: cancel,
		stopping: make(chan struct{})}
	r.wg.Add(cfg.Workers)
	for range cfg.Workers {
		go r.work()
	}
	return r, nil
}

func defaults(c *Config) {
	if c.Store == nil {
		c.Store = NewMemoryStore()
	}
	if c.Workers <= 0 {
		c.Workers = 4
	}
	if c.Queue <= 0 {
		c.Queue = 1024
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 5
	}
	if c.Backoff <= 0 {
		c.Backoff = 50 * time.Millisecond
	}
	if c.MaxBody <= 0 {
		c.MaxBody = 1 << 20
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// ServeHTTP implements http.Handler.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "webhooks are POSTed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, r.cfg.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	ev, code, err := r.admit(req.Context(), req.Header, body)
	log := r.cfg.Logger.With("scheme", r.scheme.Name(), "event_id", ev.ID, "status", code)
	if err != nil {
		log.Debug("webhook rejected", "reason", err)
		http.Error(w, http.StatusText(code), code)
		return
	}
	log.Debug("webhook acknowledged")
	w.WriteHeader(code)
}

// admit verifies and deduplicates a delivery and queues it when new. It
// returns the status to answer with.
func (r *Receiver) admit(ctx context.Context, h http.Header, body []byte) (Event, int, error) {
	ev := Event{Header: h.Clone(), Body: body, Received: r.cfg.Now()}
	if err := r.scheme.Verify(h, body, ev.Received); err != nil {
		if errors.Is(err, webhooksig.ErrMissingSignature) || errors.Is(err, webhooksig.ErrMalformedSignature) {
			return ev, http.StatusBadRequest, err
		}
		return ev, http.StatusUnauthorized, err
	}
	id, err := r.scheme.EventID(h, body)
	if err != nil {
		return ev, http.StatusBadRequest, err
	}
	ev.ID = id
	fresh, err := r.cfg.Store.Claim(ctx, id)
	if err != nil {
		return ev, http.StatusServiceUnavailable, fmt.Errorf("claim: %w", err)
	}
	if !fresh {
		return ev, http.StatusOK, nil
	}
	if !r.enqueue(ev) {
		if err := r.cfg.Store.Release(ctx, id); err != nil {
			r.cfg.Logger.Error("webhook claim not released; redeliveries will be ignored", "event_id", id, "err", err)
		}
		return ev, http.StatusServiceUnavailable, errors.New("queue full or receiver closed")
	}
	return ev, http.StatusAccepted, nil
}

func (r *Receiver) enqueue(ev Event) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		return false
	}
	select {
	case r.queue <- ev:
		return true
	default:
		return false
	}
}

func (r *Receiver) work() {
	defer r.wg.Done()
	for ev := range r.queue {
		r.process(ev)
	}
}

// process runs Process with retries and dead-letters the event if every
// attempt fails.
func (r *Receiver) process(ev Event) {
	wait := r.cfg.Backoff
	for attempt := 1; ; attempt++ {
		err := r.call(ev)
		if err == nil {
			return
		}
		r.cfg.Logger.Warn("webhook processing failed", "event_id", ev.ID, "attempt", attempt, "err", err)
		if attempt == r.cfg.MaxAttempts || !r.backoff(wait) {
			r.deadLetter(ev, attempt, err)
			return
		}
		wait *= 2
	}
}

// backoff waits d, or less if the receiver is closing; it reports whether
// to try again.
func (r *Receiver) backoff(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.stopping:
		return false
	}
}

func (r *Receiver) deadLetter(ev Event, attempts int, err error) {
	r.dlMu.Lock()
	r.dead = append(r.dead, DeadLetter{Event: ev, Attempts: attempts, Err: err})
	r.dlMu.Unlock()
	r.cfg.Logger.Error("webhook dead-lettered", "event_id", ev.ID, "attempts", attempts, "err", err)
}

// call runs Process, turning a panic into an error so one bad event cannot
// stop a worker.
func (r *Receiver) call(ev Event) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("process panicked: %v", p)
		}
	}()
	return r.cfg.Process(r.ctx, ev)
}

// DeadLetters returns a copy of the events that failed every attempt.
func (r *Receiver) DeadLetters() []DeadLetter {
	r.dlMu.Lock()
	defer r.dlMu.Unlock()
	return append([]DeadLetter(nil), r.dead...)
}

// Close stops accepting deliveries (they get 503, so providers redeliver),
// gives each queued event one more attempt without waiting out backoffs
// (failures go to the dead-letter list), and stops the workers. It is safe
// to call twice.
func (r *Receiver) Close() error {
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.stopping)
		close(r.queue)
	}
	r.mu.Unlock()
	r.wg.Wait()
	r.cancel()
	return nil
}
