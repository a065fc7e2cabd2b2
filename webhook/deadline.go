package webhook

import (
	"context"
	"math"
	"reflect"
	"sync/atomic"
	"time"
)

// tick is how long deliveries keep sharing one cutoff context: a delivery
// is cut off at most this long after its own deadline has passed.
const tick = time.Millisecond

// cutoffs hands out the contexts that cut deliveries off at the deadline.
//
// A context with a timer of its own per delivery (context.WithTimeout) was
// most of what the campaign's send path cost over a bare net/http client:
// a timerCtx and a runtime timer to start and stop, and a map that
// net/http's transport registers its own cancel in, for each delivery.
// Here the deliveries that start within the same tick (the tick starts
// with the first of them) share one context, whose deadline is the tick's
// end plus the deadline: never before a
// delivery's own deadline, at most one tick after it. So under load one
// timer serves the dozens of deliveries of a tick.
//
// The cutoff only stops waiting; it does not judge. send measures each
// delivery's elapsed time and judges an answer that came at or after the
// exact deadline as no answer within it, as a provider would.
//
// A shared context lives while a delivery that started in its tick is in
// flight: the last one to finish cancels it, which stops its timer.
type cutoffs struct {
	deadline time.Duration
	tick     time.Duration
	cur      atomic.Pointer[cutoff] // the tick deliveries starting now join; nil when none
}

// cutoff is one tick's shared context.
type cutoff struct {
	ctx    context.Context
	cancel context.CancelFunc
	parent context.Context
	same   bool      // parent's type is comparable, so a later parent can be matched to it
	end    time.Time // deliveries starting before end join this tick
	// users counts the deliveries in flight that started in this tick;
	// closed once the last of them has left and cancelled ctx.
	users atomic.Int64
}

// closed marks a cutoff whose context is cancelled: joining one adds a
// user to a count that stays negative, which tells join to start anew.
const closed = math.MinInt64 / 2

func newCutoffs(deadline time.Duration) *cutoffs {
	return &cutoffs{deadline: deadline, tick: tick}
}

// join returns the cutoff for a delivery starting at now (on the clock
// context deadlines count in) under parent; the caller gives it back with
// leave when the delivery is over. It takes no lock: sixteen senders on
// two cores queued on a mutex here cost more than the timer it saves.
func (cs *cutoffs) join(parent context.Context, now time.Time) *cutoff {
	for {
		c := cs.cur.Load()
		if c != nil && now.Before(c.end) && c.same && c.parent == parent && c.users.Add(1) > 0 {
			return c
		}
		end := now.Add(cs.tick)
		ctx, cancel := context.WithDeadline(parent, end.Add(cs.deadline))
		n := &cutoff{ctx: ctx, cancel: cancel, parent: parent, end: end, same: reflect.TypeOf(parent).Comparable()}
		n.users.Store(1)
		if cs.cur.CompareAndSwap(c, n) {
			return n
		}
		cancel() // another delivery started the next tick first: join that
	}
}

// leave ends a delivery's use of c: the last one out cancels it.
func (cs *cutoffs) leave(c *cutoff) {
	if c.users.Add(-1) == 0 && c.users.CompareAndSwap(0, closed) {
		cs.cur.CompareAndSwap(c, nil)
		c.cancel()
	}
}
