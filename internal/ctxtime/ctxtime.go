// Package ctxtime holds the one wait every package here needs: sleeping for
// a duration unless the context ends first.
package ctxtime

import (
	"context"
	"time"
)

// Sleep waits for d, or until ctx ends, and returns ctx.Err() in that case.
// A zero or negative d returns at once (with ctx.Err()).
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
