package resilience

import "github.com/faultline-dev/faultline/internal/ctxtime"

// Clock is the client's source of time for waits: backoff, Retry-After, the
// rate limiter and the bulkhead. Tests inject a fake one so that no test
// sleeps for real. Attempt timeouts use context deadlines (real time).
//
// It has two methods, Now() time.Time and Sleep(ctx, d) error (wait for d
// or until ctx is done, returning ctx.Err() then); fault.Clock is the same
// interface, so one fake clock drives a client and its upstream.
type Clock = ctxtime.Clock

// realClock is real time, the default.
type realClock = ctxtime.Wall
