package webhook

import (
	"context"
	"fmt"

	"github.com/faultline-dev/faultline/fault/journal"
	"github.com/faultline-dev/faultline/internal/english"
)

// JournalEffects counts an event's effects in the journal of a faultline
// upstream: the calls the upstream processed (not ones a fault answered
// first) that carried the event id as their Idempotency-Key header. Point
// the handler's downstream call at the upstream and forward the event id as
// the key, which is good practice anyway.
func JournalEffects(j *journal.Journal) EffectCounter {
	return CounterFunc(func(_ context.Context, id string) (int, error) {
		if d := j.Dropped(); d > 0 {
			return 0, fmt.Errorf("%w: the upstream journal dropped %s; enlarge it", ErrEffects, english.Count(int(d), "entry"))
		}
		n := 0
		for _, e := range j.Entries() {
			if e.Effect && e.IdempotencyKey == id {
				n++
			}
		}
		return n, nil
	})
}
