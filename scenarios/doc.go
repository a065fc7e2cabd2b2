// Package scenarios loads scenario files, runs them, and judges the client
// under test. It is faultline's main job.
//
// # The model
//
// A scenario pairs a fault plan for the upstream (package fault) with a
// client under test and the checks its behaviour must pass:
//
//	version: 1
//	name: first-503s-then-ok
//	tags: [retry, full]
//	upstream:                    # a fault plan (see docs/plan.md)
//	  routes:
//	    - path: /v1/orders/{id}
//	      respond: {status: 200, json: {id: ord_1}}
//	      faults:
//	        - when: {first: 2, per: "header:X-Request-Id"}
//	          status: {code: 503}
//	client:
//	  calls:                     # what the client is asked to do
//	    - {method: GET, path: /v1/orders/ord_1, count: 2}
//	  reference:                 # the resilience client, with policy overrides
//	    policy: {retry: {base_delay: 20ms}}
//	checks:
//	  - outcome: success
//	  - attempts: {exact: 3}
//
// Data flows one way: [Load] validates a file into a [Scenario]; [RunOne]
// starts a fault upstream for its plan, runs the client (the reference
// client, or any program given with client.exec or Options.Exec), stops the
// upstream, and hands an [Observation] (the upstream's journal plus the
// client's outcome) to each [Check]; the verdicts fill a report.Scenario.
//
// Checks read what the upstream saw, so they judge a client written in any
// language the same way. Each reports what it expected, what it observed,
// and the journal lines that decided it.
//
// # External clients
//
// An external client is any program. It receives FAULTLINE_URL (the
// upstream's base URL), FAULTLINE_SCENARIO, FAULTLINE_SEED and
// FAULTLINE_CALLS (the calls to make, as JSON) in its environment, makes the
// calls, and exits 0 when it handled them or non-zero with a message on
// stderr when it gave up. It is killed when the scenario's timeout passes.
//
// # Seeds
//
// A run has one seed. Each scenario runs with its own seed when its file
// sets one, else with one derived from the run's seed and its name
// ([SeedFor]); the upstream's draws and the reference client's jitter both
// come from it, so `faultline run --seed N` repeats a run.
//
// # Webhooks
//
// A scenario whose plan sends webhooks to the target "receiver" runs the
// reference receiver (resilience/receiver) for the reference client
// (receiver.go), and check_webhooks.go judges the deliveries. The campaign
// against a user's own handler is package webhook, a sibling that never
// imports this one; its doc maps every part ("Where webhook code lives").
package scenarios
