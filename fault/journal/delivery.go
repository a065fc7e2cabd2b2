package journal

import "time"

// Delivery is one webhook request the upstream sent, and how the receiver
// answered it: the webhook side of the journal. An [Entry] is a request
// the upstream received; a Delivery is one it made.
//
// Every copy is its own Delivery: a duplicate, each of the concurrent
// copies and each redelivery after a non-2xx answer. Copies of one event
// share EventID, which is what a check groups by: did the receiver act on
// the event once, was its last genuine copy (in Seq order) answered 2xx,
// was every Forged copy refused 4xx. Time is when the upstream sent it;
// Duration runs until the answer arrived or the request failed, in which
// case Status is 0 and Error says why. Its JSON form is one line of
// faultline serve's GET /deliveries.
type Delivery struct {
	Seq     uint64    `json:"seq"` // counts the upstream's deliveries, from 1
	Time    time.Time `json:"time"`
	Webhook string    `json:"webhook"` // the webhook's name in the plan
	EventID string    `json:"event_id"`
	Type    string    `json:"type"`    // the event's type, as order.paid
	Attempt int       `json:"attempt"` // 1, then redeliveries
	// Fault names what was done to this copy on purpose: bad_signature,
	// stale_timestamp, reordered, duplicate, concurrent or redelivery;
	// empty for a plain delivery.
	Fault string `json:"fault,omitempty"`
	// Forged is true when the delivery was signed wrongly on purpose (bad
	// signature or stale timestamp), whatever else happened to it.
	Forged   bool          `json:"forged,omitempty"`
	Status   int           `json:"status"`
	Error    string        `json:"error,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}
