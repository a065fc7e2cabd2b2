package scenarios

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/resilience/receiver"
)

// refReceiver is the reference webhook receiver serving a scenario's
// deliveries on loopback, counting effects per event id.
type refReceiver struct {
	rcv *receiver.Receiver
	srv *http.Server
	url string

	stop    sync.Once
	mu      sync.Mutex
	effects map[string]int
}

func startReceiver(cfg *Receiver) (*refReceiver, error) {
	rr := &refReceiver{effects: map[string]int{}}
	rcv, err := receiver.New(receiver.Config{Scheme: cfg.Scheme, Secret: cfg.Secret, Logger: slog.New(slog.DiscardHandler),
		Process: func(_ context.Context, e receiver.Event) error {
			rr.mu.Lock()
			rr.effects[e.ID]++
			rr.mu.Unlock()
			return nil
		}})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = rcv.Close()
		return nil, err
	}
	rr.rcv, rr.url = rcv, "http://"+ln.Addr().String()+"/webhooks"
	rr.srv = &http.Server{Handler: rcv, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = rr.srv.Serve(ln) }()
	return rr, nil
}

// close stops the receiver after its queued events are processed and
// returns the effects per event id. It may be called again.
func (rr *refReceiver) close() map[string]int {
	rr.stop.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := rr.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = rr.srv.Close()
		}
		_ = rr.rcv.Close()
	})
	rr.mu.Lock()
	defer rr.mu.Unlock()
	return rr.effects
}

// fetchEffects reads an external receiver's effect counts; nil when they
// cannot be read (the check then says so).
func fetchEffects(ctx context.Context, url string) map[string]int {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var counts map[string]int
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 10<<20)).Decode(&counts) != nil {
		return nil
	}
	return counts
}

// withReceiver returns a copy of the plan whose webhook targets written
// "receiver" point at url.
func withReceiver(p *fault.Plan, url string) *fault.Plan {
	cp := *p
	cp.Webhooks = append([]fault.Webhook(nil), p.Webhooks...)
	for i := range cp.Webhooks {
		if cp.Webhooks[i].Target == receiverPlaceholder {
			cp.Webhooks[i].Target = url
		}
	}
	return &cp
}
