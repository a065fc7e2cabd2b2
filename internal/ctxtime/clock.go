package ctxtime

import (
	"context"
	"time"
)

// Clock is a source of time with waits that a context can cut short.
// resilience.Clock and fault.Clock are this interface, so one fake clock
// drives a test's client and its upstream alike.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, returning ctx.Err() then.
	Sleep(ctx context.Context, d time.Duration) error
}

// Wall is real time.
type Wall struct{}

// Now is time.Now.
func (Wall) Now() time.Time { return time.Now() }

// Sleep is [Sleep].
func (Wall) Sleep(ctx context.Context, d time.Duration) error { return Sleep(ctx, d) }
