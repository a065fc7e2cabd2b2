// Package logbuf takes log lines off the request path: a Writer copies each
// line into a buffer and a goroutine of its own writes the buffer out in
// batches, so a request pays for a copy instead of a write system call (on a
// stub upstream that one syscall cost about a tenth of the throughput).
//
// Lines are written in the order they came, a batch at a time, at most
// Interval after they were logged, sooner when Batch bytes are waiting, and
// all of them at Close. Memory is bounded: when more than Limit bytes wait
// (the destination cannot keep up), new lines are dropped rather than
// blocking the request, and a line saying how many were dropped is written
// with the next batch.
//
//	w := logbuf.New(os.Stderr)
//	defer w.Close()
//	logger := slog.New(slog.NewJSONHandler(w, nil))
package logbuf

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Defaults for New.
const (
	Interval = 50 * time.Millisecond // longest a line waits
	Batch    = 32 << 10              // bytes that start a write at once
	Limit    = 8 << 20               // bytes waiting before lines are dropped
)

// Writer is an io.Writer that batches writes to an underlying writer. It is
// safe for concurrent use; each Write must be whole lines (slog's handlers
// write one record per call).
type Writer struct {
	dst     io.Writer
	mu      sync.Mutex
	buf     []byte // waiting to be written
	spare   []byte // the last batch's buffer, reused
	dropped int
	closed  bool
	kick    chan struct{}
	stop    chan struct{}
	done    chan struct{}
	flushMu sync.Mutex // one batch at a time, in order
}

// New starts a Writer in front of dst. Close it to write what is waiting.
func New(dst io.Writer) *Writer {
	w := &Writer{dst: dst, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go w.loop()
	return w
}

// Write copies p into the batch; it never waits for the destination. After
// Close it writes p through at once, after what was waiting.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	if w.closed {
		w.buf = append(w.buf, p...)
		w.mu.Unlock()
		return len(p), w.Flush()
	}
	if len(w.buf)+len(p) > Limit {
		w.dropped++
		w.mu.Unlock()
		return len(p), nil
	}
	w.buf = append(w.buf, p...)
	full := len(w.buf) >= Batch
	w.mu.Unlock()
	if full {
		select {
		case w.kick <- struct{}{}:
		default:
		}
	}
	return len(p), nil
}

// WritesWhole marks a Writer as a reqlog.WholeWriter: safe for concurrent
// use, each Write copied whole under its lock, so a logger need not take a
// lock of its own around it.
func (w *Writer) WritesWhole() {}

func (w *Writer) loop() {
	defer close(w.done)
	t := time.NewTicker(Interval)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
		case <-w.kick:
		}
		_ = w.Flush()
	}
}

// Flush writes what is waiting now.
func (w *Writer) Flush() error {
	w.flushMu.Lock()
	defer w.flushMu.Unlock()
	w.mu.Lock()
	batch, dropped := w.buf, w.dropped
	w.buf, w.spare, w.dropped = w.spare[:0], nil, 0
	w.mu.Unlock()
	if dropped > 0 {
		batch = fmt.Appendf(batch, "logbuf: %d log lines dropped: the log's destination could not keep up\n", dropped)
	}
	var err error
	if len(batch) > 0 {
		_, err = w.dst.Write(batch)
	}
	w.mu.Lock()
	if w.spare == nil && cap(batch) <= 4*Batch {
		w.spare = batch[:0]
	}
	w.mu.Unlock()
	return err
}

// Close writes every line waiting and makes later writes go straight
// through. It is safe to call more than once.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	w.mu.Unlock()
	close(w.stop)
	<-w.done
	return w.Flush()
}
