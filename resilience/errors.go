package resilience

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Sentinels for errors.Is on the errors [Client.Do] returns. Every failed call
// returns an [*Error] that matches exactly one reason below
// (ErrRetryAfterTooLong also matches ErrDeadline).
var (
	// ErrCircuitOpen: the host's breaker is open; the network was not touched.
	ErrCircuitOpen = errors.New("circuit open")
	// ErrBudgetExhausted: a retry was due but the host's retry budget is spent.
	ErrBudgetExhausted = errors.New("retry budget exhausted")
	// ErrDeadline: the call's deadline passed or its context was canceled,
	// or waiting for the next attempt would pass the deadline.
	ErrDeadline = errors.New("deadline")
	// ErrRetryAfterTooLong: the server asked for a wait beyond the deadline.
	ErrRetryAfterTooLong = errors.New("retry-after beyond the deadline")
	// ErrRetriesExhausted: every allowed attempt failed with a retryable class.
	ErrRetriesExhausted = errors.New("retries exhausted")
	// ErrNotRetryable: the outcome must not be retried (a client error, or
	// an ambiguous failure of a call that is neither idempotent nor keyed).
	ErrNotRetryable = errors.New("not retryable")
	// ErrBulkheadFull: too many attempts in flight to the host for too long.
	ErrBulkheadFull = errors.New("bulkhead full")
)

// ErrInvalidPolicy is wrapped by Policy.Validate errors, never by a call's.
var ErrInvalidPolicy = errors.New("invalid resilience policy")

// Error is the one error type a failed call returns.
type Error struct {
	Class      Class         // class of the last outcome
	Attempts   int           // attempts that reached the transport
	LastStatus int           // last HTTP status seen, 0 if none
	RetryAfter time.Duration // the server's last requested wait, if any
	Err        error         // the underlying cause, if any

	reason error  // one of the sentinels
	op     string // "GET https://host/path" with secrets masked
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("resilience: %s: %s", e.op, e.reason)
	if e.Attempts > 0 {
		msg += fmt.Sprintf(" after %d attempt%s", e.Attempts, plural(e.Attempts))
	}
	if e.LastStatus > 0 {
		msg += fmt.Sprintf(" (last status %d %s, %s)", e.LastStatus, http.StatusText(e.LastStatus), e.Class)
	} else if e.Class != ClassOK {
		msg += fmt.Sprintf(" (%s)", e.Class)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	if hint := e.hint(); hint != "" {
		msg += "; " + hint
	}
	return msg
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// hint says what to do next.
func (e *Error) hint() string {
	switch e.reason {
	case ErrCircuitOpen:
		if e.Attempts > 0 {
			return "the breaker opened during the call, so no further attempt was sent; retry after breaker.open_timeout or serve a fallback"
		}
		return "the upstream was not called; retry after breaker.open_timeout or serve a fallback"
	case ErrBudgetExhausted:
		return "too many recent failures to this host; retry later"
	case ErrRetryAfterTooLong:
		return fmt.Sprintf("the server asked to wait %s; schedule the call later or raise the deadline", e.RetryAfter)
	case ErrDeadline:
		return "raise the context deadline or timeouts.total"
	case ErrRetriesExhausted:
		return "the upstream keeps failing; check its health or raise retry.max_attempts"
	case ErrBulkheadFull:
		return "too many calls in flight to this host; raise bulkhead.max_in_flight or slow down"
	}
	return ""
}

// Unwrap returns the reason sentinel and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.reason}
	}
	return []error{e.reason, e.Err}
}

// Is makes an ErrRetryAfterTooLong error also match ErrDeadline.
func (e *Error) Is(target error) bool {
	return target == ErrDeadline && e.reason == ErrRetryAfterTooLong
}
