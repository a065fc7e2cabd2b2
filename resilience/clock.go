package resilience

import (
	"context"
	"time"

	"github.com/faultline-dev/faultline/internal/ctxtime"
)

// Clock is the client's source of time for waits: backoff, Retry-After, the
// rate limiter and the bulkhead. Tests inject a fake one so that no test
// sleeps for real. Attempt timeouts use context deadlines (real time).
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, returning ctx.Err() then.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error { return ctxtime.Sleep(ctx, d) }
