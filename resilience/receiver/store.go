package receiver

import (
	"context"
	"sync"
)

// Store remembers which event ids have been claimed.
type Store interface {
	// Claim records id and reports whether this call recorded it. Checking
	// and recording must be one atomic step: of any number of concurrent
	// calls with one id, exactly one returns true.
	Claim(ctx context.Context, id string) (bool, error)
	// Release forgets id, so that a redelivery is processed. The receiver
	// calls it when it claimed an event but could not queue it.
	Release(ctx context.Context, id string) error
}

// MemoryStore is an in-process Store. The zero value is ready to use.
type MemoryStore struct {
	mu   sync.Mutex
	seen map[string]struct{}
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{} }

// Claim implements Store.
func (m *MemoryStore) Claim(_ context.Context, id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.seen[id]; dup {
		return false, nil
	}
	if m.seen == nil {
		m.seen = map[string]struct{}{}
	}
	m.seen[id] = struct{}{}
	return true, nil
}

// Release implements Store.
func (m *MemoryStore) Release(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.seen, id)
	return nil
}
